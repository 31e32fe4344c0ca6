/*
 * test_options.c — the server's options (rpc/options.c): each option by
 * name with its range, the listen address forms, and the config file with
 * the line a mistake is on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger/ledger.h"
#include "rpc/rpc.h"

static void test_defaults_and_each_option(void **state)
{
    (void)state;
    rpc_server_options o;
    char err[256];
    rpc_server_options_default(&o);
    assert_string_equal(o.listen_host, "127.0.0.1");
    assert_int_equal(o.port, 8080);
    assert_int_equal(o.entries_per_request_max, LEDGER_REQUEST_ENTRIES_MAX);
    assert_int_equal(rpc_server_option_set(&o, "listen", "0.0.0.0:9000", err, sizeof err), 0);
    assert_string_equal(o.listen_host, "0.0.0.0");
    assert_int_equal(o.port, 9000);
    assert_int_equal(rpc_server_option_set(&o, "listen", "[::1]:0", err, sizeof err), 0);
    assert_string_equal(o.listen_host, "::1");
    assert_int_equal(o.port, 0);
    assert_int_equal(rpc_server_option_set(&o, "listen", ":8081", err, sizeof err), 0);
    assert_string_equal(o.listen_host, "127.0.0.1");
    assert_int_equal(o.port, 8081);
    assert_int_equal(rpc_server_option_set(&o, "entries-max", "100", err, sizeof err), 0);
    assert_int_equal(o.entries_per_request_max, 100);
    assert_int_equal(rpc_server_option_set(&o, "log-level", "debug", err, sizeof err), 0);
    assert_int_equal(o.log_level, RPC_LOG_DEBUG);
    assert_int_equal(rpc_server_option_set(&o, "timeout-s", "5", err, sizeof err), 0);
    assert_int_equal(o.timeout_s, 5);
}

static void test_refusals_name_the_option(void **state)
{
    (void)state;
    rpc_server_options o;
    char err[256];
    rpc_server_options_default(&o);
    struct {
        const char *name, *value, *says;
    } bad[] = {
        {"listen", "8080", "not HOST:PORT"},
        {"listen", "127.0.0.1:70000", "--listen"},
        {"listen", "127.0.0.1:-1", "--listen"},
        {"entries-max", "0", "--entries-max"},
        {"entries-max", "8193", "--entries-max"},
        {"body-bytes-max", "12k", "--body-bytes-max"},
        {"connections-max", "", "--connections-max"},
        {"queue-entries-max", "100", "--queue-entries-max"},
        {"commit-entries-max", "65537", "--commit-entries-max"},
        {"log-level", "loud", "debug, info, warn or error"},
        {"colour", "red", "unknown option 'colour'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(rpc_server_option_set(&o, bad[i].name, bad[i].value, err, sizeof err),
                         -1);
        if (strstr(err, bad[i].says) == NULL)
            fail_msg("%s=%s: '%s' does not say '%s'", bad[i].name, bad[i].value, err,
                     bad[i].says);
    }
    /* A host longer than the limit. */
    char listen[RPC_HOST_MAX + 16];
    memset(listen, 'h', RPC_HOST_MAX + 1);
    snprintf(listen + RPC_HOST_MAX + 1, 15, ":80");
    assert_int_equal(rpc_server_option_set(&o, "listen", listen, err, sizeof err), -1);
    /* Nothing refused changed the options. */
    assert_string_equal(o.listen_host, "127.0.0.1");
    assert_int_equal(o.port, 8080);
    assert_int_equal(o.entries_per_request_max, LEDGER_REQUEST_ENTRIES_MAX);
}

static void config_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_config_file(void **state)
{
    (void)state;
    char path[] = "/tmp/cauris-options-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rpc_server_options o;
    char err[512];
    rpc_server_options_default(&o);
    config_write(path, "# caurisd\n\ndata-dir = /srv/ledger  # the ledger\n"
                       "listen=10.0.0.1:9090\n  log-level =  warn \n");
    assert_int_equal(rpc_config_load(&o, path, err, sizeof err), 0);
    assert_string_equal(o.data_dir, "/srv/ledger");
    assert_string_equal(o.listen_host, "10.0.0.1");
    assert_int_equal(o.port, 9090);
    assert_int_equal(o.log_level, RPC_LOG_WARN);
    rpc_server_options_release(&o);

    /* Blank and comment lines count: the error names line 4. */
    rpc_server_options_default(&o);
    config_write(path, "# caurisd\n\nlisten = 127.0.0.1:1\nentries-max = lots\n");
    assert_int_equal(rpc_config_load(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":4: --entries-max"));
    rpc_server_options_release(&o);
    config_write(path, "listen 127.0.0.1:1\n");
    assert_int_equal(rpc_config_load(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: expected 'name = value'"));
    rpc_server_options_release(&o);
    unlink(path);
    assert_int_equal(rpc_config_load(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_each_option),
        cmocka_unit_test(test_refusals_name_the_option),
        cmocka_unit_test(test_config_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
