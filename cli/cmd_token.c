/*
 * cmd_token.c — `cauris token create|list|revoke`: the access tokens of the
 * RPC server. Prints a new token once, on a line of its own so that a script
 * can capture it; lists tokens without their secrets (the ledger keeps only
 * hashes); revokes them. Every rule about tokens is in ledger/token.c.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char token_usage[] =
    "usage: cauris token create DIR --partner ID --roles ROLES [--programme NAME]\n"
    "                           [--name LABEL] [--passphrase-file FILE]\n"
    "       cauris token list DIR [--json]\n"
    "       cauris token revoke DIR ID [--passphrase-file FILE]\n"
    "\n"
    "Access tokens let a partner's system call the RPC server with\n"
    "'Authorization: Bearer TOKEN'. A token belongs to one partner, is scoped to\n"
    "one programme and carries roles: post, approve, read, admin. The ledger keeps\n"
    "only a hash of each token, so a token is shown once, when it is created.\n"
    "Tokens are not entries: they are not in the signed journal.\n"
    "\n"
    "create  prints the new token alone on standard output, e.g.\n"
    "        TOKEN=$(cauris token create ledger1 --partner mfi1 --roles post,read)\n"
    "list    id, partner, programme, roles, name, created and state of every token\n"
    "revoke  the token stops working at once; it stays listed as revoked\n"
    "\n"
    "Run 'cauris token create --help' (list, revoke) for the options of each.\n";

static const char create_usage[] =
    "usage: cauris token create DIR --partner ID --roles ROLES [--programme NAME]\n"
    "                           [--name LABEL] [--passphrase-file FILE]\n"
    "\n"
    "Creates an access token for the RPC server and prints it alone on standard\n"
    "output; a line on standard error gives its id, partner, programme and roles.\n"
    "The token is shown only this once (the ledger keeps a hash of it): store it\n"
    "where its holder will read it, e.g. TOKEN=$(cauris token create ...).\n"
    "\n"
    "options:\n"
    "  --partner ID            the partner it acts for (1-32 bytes, as in entries)\n"
    "  --roles ROLES           post, approve, read, admin, joined by commas\n"
    "  --programme NAME        the programme it is scoped to (default: the ledger's\n"
    "                          only one)\n"
    "  --name LABEL            who or what holds it (at most 64 bytes); recorded as\n"
    "                          the principal of what it posts (default token-ID)\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n";

static const char list_usage[] =
    "usage: cauris token list DIR [--json]\n"
    "\n"
    "Lists every token, revoked ones too, in id order: id, partner, programme,\n"
    "roles, name, when it was created (UTC) and its state (valid, or revoked with\n"
    "the time). Secrets are never shown: the ledger does not have them.\n"
    "\n"
    "options:\n"
    "  --json  a JSON array of {id, partner, programme, roles (an array of names),\n"
    "          name, created_at, revoked_at (null while valid), state}; times are\n"
    "          UTC, YYYY-MM-DDTHH:MM:SSZ\n";

static const char revoke_usage[] =
    "usage: cauris token revoke DIR ID [--passphrase-file FILE]\n"
    "\n"
    "Revokes a token: from now on the server refuses it. It stays in the list as\n"
    "revoked, with the time. ID is the 16 hex characters that 'cauris token list'\n"
    "shows (the part after cauris_ in the token). Revoking a revoked token again\n"
    "changes nothing.\n"
    "\n"
    "options:\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n";

#define TOKEN_TIME_TEXT_MAX 32 /* "2026-11-23 14:05:09Z" and more */

static bool help_asked(int argc, char **argv)
{
    return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
}

/* ---- create ---- */

static int create_failed(const char *cmd, const char *dir, const char *programme, int err)
{
    if (err == LEDGER_INVALID_FIELD)
        return cli_fail(cmd,
                        "the partner id must be 1 to %d bytes of UTF-8, and the name at "
                        "most %d bytes with no control characters",
                        LEDGER_PARTNER_MAX, LEDGER_TOKEN_NAME_MAX);
    if (err == LEDGER_UNKNOWN_PROGRAMME)
        return cli_fail(cmd, "no programme named '%s' in this ledger", programme);
    if (err == LEDGER_INVALID_ARGUMENT) /* the roles were checked: the count it is */
        return cli_fail(cmd, "%s holds %d tokens, the most a ledger keeps", dir,
                        LEDGER_TOKENS_MAX);
    return cli_fail_ledger(cmd, dir, err);
}

static int token_create(int argc, char **argv)
{
    const char *cmd = "token create";
    const char *programme = NULL, *partner = NULL, *roles_text = NULL, *name = NULL;
    const char *pass_file = NULL;
    const cli_opt opts[] = {
        {"partner", &partner, NULL},           {"roles", &roles_text, NULL},
        {"programme", &programme, NULL},       {"name", &name, NULL},
        {"passphrase-file", &pass_file, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    uint32_t roles = 0;
    int rc = cli_args_parse(cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(create_usage);
    if (a.pos_count != 1)
        return cli_usage_error(cmd, "needs exactly one ledger directory");
    if (partner == NULL)
        return cli_usage_error(cmd, "--partner ID is required");
    if (roles_text == NULL)
        return cli_usage_error(cmd, "--roles is required: post, approve, read, admin, "
                                    "joined by commas");
    if (ledger_roles_parse(roles_text, &roles) != LEDGER_OK)
        return cli_usage_error(cmd,
                               "'%s' is not a list of roles: post, approve, read, "
                               "admin, joined by commas",
                               roles_text);
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1];
    rc = cli_ledger_open_programme(cmd, a.pos[0], true, pass_file, programme, &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    char token[LEDGER_TOKEN_TEXT_MAX + 1], roles_shown[LEDGER_ROLES_TEXT_MAX + 1];
    ledger_token_info info;
    int err = ledger_token_create(l, prog, partner, name, roles, token, &info);
    ledger_close(l);
    if (err != LEDGER_OK)
        return create_failed(cmd, a.pos[0], prog, err);
    printf("%s\n", token);
    cli_wipe(token, sizeof token);
    ledger_roles_format(info.roles, roles_shown, sizeof roles_shown);
    fprintf(stderr,
            "token %s created for partner %s, programme %s, roles %s, name %s; it is "
            "shown only this once (the ledger keeps only its hash)\n",
            info.id, info.partner, info.programme, roles_shown, info.name);
    return CLI_EXIT_OK;
}

/* ---- list ---- */

static void time_iso(char out[TOKEN_TIME_TEXT_MAX], int64_t unix_seconds)
{
    struct tm tm;
    time_t t = (time_t)unix_seconds;
    if (gmtime_r(&t, &tm) == NULL ||
        strftime(out, TOKEN_TIME_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, TOKEN_TIME_TEXT_MAX, "@%lld", (long long)unix_seconds);
}

static json_t *token_json(const ledger_token_info *t)
{
    char created[TOKEN_TIME_TEXT_MAX], revoked[TOKEN_TIME_TEXT_MAX];
    json_t *roles = json_array();
    static const uint32_t bits[] = {LEDGER_ROLE_POST, LEDGER_ROLE_APPROVE, LEDGER_ROLE_READ,
                                    LEDGER_ROLE_ADMIN};
    for (size_t i = 0; roles != NULL && i < sizeof bits / sizeof bits[0]; i++) {
        char one[LEDGER_ROLES_TEXT_MAX + 1];
        if ((t->roles & bits[i]) == 0)
            continue;
        ledger_roles_format(bits[i], one, sizeof one);
        json_array_append_new(roles, json_string(one));
    }
    time_iso(created, t->created_at);
    time_iso(revoked, t->revoked_at);
    /* Names are UTF-8 (the ledger checks), so json_pack takes them. */
    json_t *revoked_at = t->revoked_at ? json_string(revoked) : json_null();
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:s}", "id", t->id, "partner",
                     t->partner, "programme", t->programme, "roles", roles, "name", t->name,
                     "created_at", created, "revoked_at", revoked_at, "state",
                     t->revoked_at ? "revoked" : "valid");
}

static int list_json(const ledger_token_info *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *o = token_json(&list[i]);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *text = arr ? json_dumps(arr, JSON_INDENT(2)) : NULL;
    json_decref(arr);
    if (text == NULL)
        return cli_fail("token list", "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

/* Column widths: the longest value or header of each padded column. */
typedef struct list_widths {
    int partner, programme, roles, name;
} list_widths;

static int wider(int w, const char *text)
{
    int n = (int)strlen(text);
    return n > w ? n : w;
}

static list_widths widths_of(const ledger_token_info *list, size_t n)
{
    char roles[LEDGER_ROLES_TEXT_MAX + 1];
    list_widths w = {wider(0, "partner"), wider(0, "programme"), wider(0, "roles"),
                     wider(0, "name")};
    for (size_t i = 0; i < n; i++) {
        ledger_roles_format(list[i].roles, roles, sizeof roles);
        w.partner = wider(w.partner, list[i].partner);
        w.programme = wider(w.programme, list[i].programme);
        w.roles = wider(w.roles, roles);
        w.name = wider(w.name, list[i].name);
    }
    return w;
}

static void list_text(const ledger_token_info *list, size_t n)
{
    size_t valid = 0;
    list_widths w = widths_of(list, n);
    char roles[LEDGER_ROLES_TEXT_MAX + 1], created[TOKEN_TIME_TEXT_MAX];
    char revoked[TOKEN_TIME_TEXT_MAX];
    if (n > 0)
        printf("%-*s  %-*s  %-*s  %-*s  %-*s  %-20s  %s\n", LEDGER_TOKEN_ID_LEN, "id",
               w.partner, "partner", w.programme, "programme", w.roles, "roles", w.name, "name",
               "created", "state");
    for (size_t i = 0; i < n; i++) {
        const ledger_token_info *t = &list[i];
        ledger_roles_format(t->roles, roles, sizeof roles);
        cli_time_format(created, sizeof created, t->created_at);
        cli_time_format(revoked, sizeof revoked, t->revoked_at);
        printf("%-*s  %-*s  %-*s  %-*s  %-*s  %-20s  %s%s\n", LEDGER_TOKEN_ID_LEN, t->id,
               w.partner, t->partner, w.programme, t->programme, w.roles, roles, w.name,
               t->name, created, t->revoked_at ? "revoked " : "valid",
               t->revoked_at ? revoked : "");
        valid += t->revoked_at == 0;
    }
    printf("%zu token%s (%zu valid, %zu revoked)\n", n, n == 1 ? "" : "s", valid, n - valid);
}

static int token_list(int argc, char **argv)
{
    const char *cmd = "token list";
    bool json = false;
    const cli_opt opts[] = {{"json", NULL, &json}, {NULL, NULL, NULL}};
    cli_args a;
    int rc = cli_args_parse(cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(list_usage);
    if (a.pos_count != 1)
        return cli_usage_error(cmd, "needs exactly one ledger directory");
    ledger *l = NULL;
    rc = cli_ledger_open(cmd, a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    ledger_token_info *list = calloc(LEDGER_TOKENS_MAX, sizeof *list);
    size_t n = 0;
    int err = list ? ledger_token_list(l, list, LEDGER_TOKENS_MAX, &n) : LEDGER_NOMEM;
    ledger_close(l);
    if (err != LEDGER_OK)
        rc = cli_fail_ledger(cmd, a.pos[0], err);
    else if (json)
        rc = list_json(list, n);
    else
        list_text(list, n);
    free(list);
    return rc;
}

/* ---- revoke ---- */

static bool id_shaped(const char *s)
{
    if (strlen(s) != LEDGER_TOKEN_ID_LEN)
        return false;
    return strspn(s, "0123456789abcdef") == LEDGER_TOKEN_ID_LEN;
}

static int token_revoke(int argc, char **argv)
{
    const char *cmd = "token revoke";
    const char *pass_file = NULL;
    const cli_opt opts[] = {{"passphrase-file", &pass_file, NULL}, {NULL, NULL, NULL}};
    cli_args a;
    int rc = cli_args_parse(cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(revoke_usage);
    if (a.pos_count != 2)
        return cli_usage_error(cmd, "needs a ledger directory and a token id");
    const char *id = a.pos[1];
    if (!id_shaped(id))
        return cli_usage_error(cmd,
                               "'%s' is not a token id: 16 characters 0-9a-f, as "
                               "'cauris token list' shows",
                               id);
    ledger *l = NULL;
    rc = cli_ledger_open(cmd, a.pos[0], true, pass_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = ledger_token_revoke(l, id);
    ledger_close(l);
    if (err == LEDGER_NOT_FOUND)
        return cli_fail(cmd, "no token with id %s in %s (see cauris token list)", id, a.pos[0]);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, a.pos[0], err);
    printf("token %s revoked\n", id);
    return CLI_EXIT_OK;
}

int cmd_token(int argc, char **argv)
{
    if (help_asked(argc, argv))
        return cli_help(token_usage);
    if (argc < 2)
        return cli_usage_error("token", "needs create, list or revoke");
    const char *verb = argv[1];
    if (strcmp(verb, "create") == 0)
        return token_create(argc - 1, argv + 1);
    if (strcmp(verb, "list") == 0)
        return token_list(argc - 1, argv + 1);
    if (strcmp(verb, "revoke") == 0)
        return token_revoke(argc - 1, argv + 1);
    return cli_usage_error("token", "unknown action '%s' (create, list, revoke)", verb);
}
