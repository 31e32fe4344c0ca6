/*
 * fuzz_jsonl.c — libFuzzer target: `cauris post` parses lines a partner
 * wrote. Any bytes give either an entry whose fields respect the ledger's
 * limits' shape (legs within 0..16, positive amounts) or an error message,
 * never a crash, a leak or an unterminated message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_jsonl_defaults d = {"demo", "mfi1", "fuzz"};
    cli_jsonl_line line;
    char err[CLI_JSONL_ERROR_MAX];
    memset(err, 'x', sizeof err);
    if (cli_jsonl_parse((const char *)data, size, &d, &line, err) == 0) {
        if (line.kind == CLI_JSONL_ENTRY) {
            if (line.entry.legs_count > LEDGER_LEGS_MAX)
                abort();
            for (uint32_t i = 0; i < line.entry.legs_count; i++) {
                if (line.entry.legs[i].amount <= 0)
                    abort();
            }
        }
        cli_jsonl_line_free(&line);
    } else if (memchr(err, '\0', sizeof err) == NULL) {
        abort();
    }
    return 0;
}
