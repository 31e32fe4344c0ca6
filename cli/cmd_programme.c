/*
 * cmd_programme.c — `cauris programme create` adds a programme (its own
 * currency and fixed accounts) to a ledger; `cauris programme settings`
 * shows and changes its settings (capital rate, unlock phase, approval
 * thresholds); `cauris programmes` lists them. The settings options are
 * parsed here for `cauris init` too.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char programme_usage[] =
    "usage: cauris programme create DIR NAME --currency CODE [--passphrase-file FILE]\n"
    "       cauris programme settings DIR [--programme NAME] [--json]\n"
    "       cauris programme settings set DIR --principal WHO [--programme NAME]\n"
    "              [--capital-rate-bp N] [--unlock-phase N] [--approval OP=AMOUNT ...]\n"
    "\n"
    "create    adds a programme to the ledger, with its currency (ISO 4217) and its\n"
    "          fixed accounts programme:fund, programme:wages and programme:grants.\n"
    "          Recorded in the signed journal. NAME is 1-64 of [a-z0-9_-]. Once a\n"
    "          ledger holds several programmes, commands need --programme NAME.\n"
    "settings  shows the programme's settings (--json: as JSON, amounts in minor\n"
    "          units as strings, null for never).\n"
    "settings set\n"
    "          changes them; the change is a leaf of the signed journal, made in the\n"
    "          name of --principal (an administrator's act).\n"
    "\n"
    "settings:\n"
    "  --capital-rate-bp N   share of each gross wage withheld as capital, in basis\n"
    "                        points (1000 = 10 %; 0..10000)\n"
    "  --unlock-phase N      capital may be released from this phase on (1..3)\n"
    "  --approval OP=AMOUNT  entries of OP above AMOUNT (in the currency's units,\n"
    "                        e.g. 1500.50 USD) wait for a second person's approval;\n"
    "                        AMOUNT may be 'always' or 'never'. OP is transfer,\n"
    "                        funding, wage, payout, grant_disburse or reversal.\n"
    "                        Repeatable. Grant commits and capital releases always\n"
    "                        need approval.\n";

static const char programmes_usage[] = "usage: cauris programmes DIR\n"
                                       "\n"
                                       "Lists the ledger's programmes with their currency.\n";

#define PROGRAMME_CMD "programme"
#define PROGRAMMES_LIST_MAX 256

/* The operations whose thresholds may be set, with their index in
 * approval_above[]. */
static const struct {
    const char *name;
    unsigned index;
} approval_ops[] = {
    {"transfer", LEDGER_OP_TRANSFER},
    {"funding", LEDGER_OP_FUNDING},
    {"wage", LEDGER_OP_WAGE},
    {"payout", LEDGER_OP_PAYOUT},
    {"grant_disburse", LEDGER_OP_GRANT_DISBURSE},
    {"reversal", LEDGER_APPROVAL_REVERSAL},
};
#define APPROVAL_OPS_COUNT (sizeof approval_ops / sizeof approval_ops[0])

static int approval_apply(const char *cmd, ledger_settings *s, const char *text, int digits)
{
    char why[160];
    const char *eq = strchr(text, '=');
    size_t op_len = eq ? (size_t)(eq - text) : 0;
    if (eq == NULL || op_len == 0)
        return cli_usage_error(cmd, "--approval '%s': give OP=AMOUNT, e.g. wage=100000", text);
    size_t i = 0;
    while (i < APPROVAL_OPS_COUNT && (strlen(approval_ops[i].name) != op_len ||
                                      strncmp(approval_ops[i].name, text, op_len) != 0))
        i++;
    if (i == APPROVAL_OPS_COUNT)
        return cli_usage_error(cmd,
                               "--approval '%s': OP is transfer, funding, wage, payout, "
                               "grant_disburse or reversal (grant commits and capital "
                               "releases always need approval)",
                               text);
    int64_t amount;
    if (strcmp(eq + 1, "never") == 0)
        amount = LEDGER_APPROVAL_NEVER;
    else if (strcmp(eq + 1, "always") == 0)
        amount = 0;
    else if (cli_amount_parse_units(eq + 1, digits, false, true, &amount, why, sizeof why) != 0)
        return cli_usage_error(cmd, "--approval %s: %s", text, why);
    s->approval_above[approval_ops[i].index] = amount;
    return 0;
}

int cli_settings_apply(const char *cmd, ledger_settings *s, const char *rate_bp,
                       const char *unlock_phase, const char *const *approvals,
                       size_t approvals_count, int digits)
{
    uint64_t n;
    if (rate_bp != NULL) {
        if (cli_parse_u64(rate_bp, &n) != 0 || n > LEDGER_RATE_BP_MAX)
            return cli_usage_error(cmd,
                                   "--capital-rate-bp '%s': give basis points 0 to %d "
                                   "(1000 = 10 %%)",
                                   rate_bp, LEDGER_RATE_BP_MAX);
        s->capital_rate_bp = (uint32_t)n;
    }
    if (unlock_phase != NULL) {
        if (cli_parse_u64(unlock_phase, &n) != 0 || n < 1 || n > LEDGER_PHASE_MAX)
            return cli_usage_error(cmd, "--unlock-phase '%s': give a phase 1 to %d",
                                   unlock_phase, LEDGER_PHASE_MAX);
        s->unlock_phase = (uint8_t)n;
    }
    for (size_t i = 0; i < approvals_count; i++) {
        int rc = approval_apply(cmd, s, approvals[i], digits);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* "never", "always" or "above 100000 GNF". */
static void threshold_text(char *out, size_t cap, int64_t above, int digits,
                           const char *currency)
{
    char amount[CLI_AMOUNT_TEXT_MAX];
    if (above == LEDGER_APPROVAL_NEVER) {
        snprintf(out, cap, "never");
    } else if (above == 0) {
        snprintf(out, cap, "always");
    } else {
        cli_amount_format(amount, sizeof amount, above, digits);
        snprintf(out, cap, "above %s %s", amount, currency);
    }
}

static const unsigned shown_ops[] = {
    LEDGER_OP_TRANSFER,       LEDGER_OP_FUNDING,         LEDGER_OP_WAGE,
    LEDGER_OP_PAYOUT,         LEDGER_OP_CAPITAL_RELEASE, LEDGER_OP_GRANT_COMMIT,
    LEDGER_OP_GRANT_DISBURSE,
};
#define SHOWN_OPS_COUNT (sizeof shown_ops / sizeof shown_ops[0])

static void settings_print_text(const char *programme, const ledger_programme_info *info,
                                const ledger_settings *s)
{
    char text[CLI_AMOUNT_TEXT_MAX + 16], pct[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(pct, sizeof pct, s->capital_rate_bp, 2);
    printf("programme:     %s (%s)\n", programme, info->currency);
    printf("capital rate:  %u bp (%s %% of each gross wage goes to capital)\n",
           s->capital_rate_bp, pct);
    printf("unlock phase:  %u (capital may be released from phase %u on)\n", s->unlock_phase,
           s->unlock_phase);
    printf("approval by a second person:\n");
    for (size_t i = 0; i < SHOWN_OPS_COUNT; i++) {
        threshold_text(text, sizeof text, s->approval_above[shown_ops[i]], info->digits,
                       info->currency);
        printf("  %-16s %s\n", ledger_op_name((ledger_op)shown_ops[i]), text);
    }
    threshold_text(text, sizeof text, s->approval_above[LEDGER_APPROVAL_REVERSAL], info->digits,
                   info->currency);
    printf("  %-16s %s\n", "reversal", text);
}

static json_t *threshold_json(int64_t above)
{
    char minor[CLI_AMOUNT_TEXT_MAX];
    if (above == LEDGER_APPROVAL_NEVER)
        return json_null();
    cli_amount_format(minor, sizeof minor, above, 0);
    return json_string(minor);
}

static int settings_print_json(const char *programme, const ledger_programme_info *info,
                               const ledger_settings *s)
{
    json_t *above = json_object();
    for (size_t i = 0; i < SHOWN_OPS_COUNT; i++)
        json_object_set_new(above, ledger_op_name((ledger_op)shown_ops[i]),
                            threshold_json(s->approval_above[shown_ops[i]]));
    json_object_set_new(above, "reversal",
                        threshold_json(s->approval_above[LEDGER_APPROVAL_REVERSAL]));
    json_t *obj =
        json_pack("{s:s, s:s, s:i, s:i, s:o}", "programme", programme, "currency",
                  info->currency, "capital_rate_bp", (json_int_t)s->capital_rate_bp,
                  "unlock_phase", (json_int_t)s->unlock_phase, "approval_above", above);
    char *text = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);
    if (text == NULL)
        return cli_fail(PROGRAMME_CMD, "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

static int settings_show(ledger *l, const char *programme, bool json)
{
    ledger_programme_info info;
    ledger_settings s;
    int err = ledger_programme_get(l, programme, &info);
    if (err == LEDGER_OK)
        err = ledger_settings_get(l, programme, &s);
    if (err == LEDGER_UNKNOWN_PROGRAMME)
        return cli_fail(PROGRAMME_CMD, "no programme named '%s' in this ledger", programme);
    if (err != LEDGER_OK)
        return cli_fail_ledger(PROGRAMME_CMD, programme, err);
    if (json)
        return settings_print_json(programme, &info, &s);
    settings_print_text(programme, &info, &s);
    return CLI_EXIT_OK;
}

typedef struct settings_args {
    const char *programme, *principal, *rate, *phase, *pass_file;
    const char *approvals[CLI_REPEAT_MAX];
    size_t approvals_count;
    bool json;
} settings_args;

static int settings_run(const char *dir, bool set, const settings_args *o)
{
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1], currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    int rc = cli_ledger_open_programme(PROGRAMME_CMD, dir, set, o->pass_file, o->programme, &l,
                                       prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (set) {
        ledger_settings s;
        rc = cli_programme_currency(PROGRAMME_CMD, l, prog, currency, &digits);
        int err = rc == CLI_EXIT_OK ? ledger_settings_get(l, prog, &s) : LEDGER_OK;
        if (err != LEDGER_OK)
            rc = cli_fail_ledger(PROGRAMME_CMD, prog, err);
        if (rc == CLI_EXIT_OK)
            rc = cli_settings_apply(PROGRAMME_CMD, &s, o->rate, o->phase, o->approvals,
                                    o->approvals_count, digits);
        err = rc == CLI_EXIT_OK ? ledger_settings_set(l, prog, o->principal, &s) : LEDGER_OK;
        if (err == LEDGER_INVALID_FIELD)
            rc = cli_fail(PROGRAMME_CMD, "%s: the principal must be 1 to %d bytes of UTF-8",
                          prog, LEDGER_PRINCIPAL_MAX);
        else if (err != LEDGER_OK)
            rc = cli_fail_ledger(PROGRAMME_CMD, prog, err);
        if (rc == CLI_EXIT_OK)
            printf("settings of %s changed by %s:\n", prog, o->principal);
    }
    if (rc == CLI_EXIT_OK)
        rc = settings_show(l, prog, o->json);
    ledger_close(l);
    return rc;
}

static int programme_settings(int argc, char **argv)
{
    settings_args o;
    memset(&o, 0, sizeof o);
    int rc = cli_args_take_repeated(PROGRAMME_CMD, &argc, argv, "approval", o.approvals,
                                    &o.approvals_count);
    if (rc != 0)
        return rc;
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},
        {"principal", &o.principal, NULL},
        {"capital-rate-bp", &o.rate, NULL},
        {"unlock-phase", &o.phase, NULL},
        {"passphrase-file", &o.pass_file, NULL},
        {"json", NULL, &o.json},
        {NULL, NULL, NULL},
    };
    cli_args a;
    rc = cli_args_parse(PROGRAMME_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(programme_usage);
    bool set = a.pos_count == 3 && strcmp(a.pos[1], "set") == 0;
    bool changes = o.rate != NULL || o.phase != NULL || o.approvals_count > 0;
    if (!set && a.pos_count != 2)
        return cli_usage_error(PROGRAMME_CMD, "needs: settings DIR, or settings set DIR "
                                              "--principal WHO [settings]");
    if (!set && (changes || o.principal != NULL))
        return cli_usage_error(PROGRAMME_CMD, "to change settings: programme settings set "
                                              "DIR --principal WHO ...");
    if (set && o.principal == NULL)
        return cli_usage_error(PROGRAMME_CMD, "--principal WHO is required: who changes "
                                              "the settings");
    if (set && !changes)
        return cli_usage_error(PROGRAMME_CMD, "nothing to change: give --capital-rate-bp, "
                                              "--unlock-phase or --approval");
    return settings_run(a.pos[set ? 2 : 1], set, &o);
}

static int programme_create(int argc, char **argv)
{
    const char *currency = NULL, *pass_file = NULL;
    const cli_opt opts[] = {{"currency", &currency, NULL},
                            {"passphrase-file", &pass_file, NULL},
                            {NULL, NULL, NULL}};
    cli_args a;
    int rc = cli_args_parse(PROGRAMME_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(programme_usage);
    if (a.pos_count != 3)
        return cli_usage_error(PROGRAMME_CMD, "needs: create DIR NAME --currency CODE");
    if (currency == NULL)
        return cli_usage_error(PROGRAMME_CMD, "--currency CODE is required");
    ledger *l = NULL;
    rc = cli_ledger_open(PROGRAMME_CMD, a.pos[1], true, pass_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = ledger_programme_create(l, a.pos[2], currency);
    ledger_close(l);
    if (err != LEDGER_OK)
        return cli_fail_ledger(PROGRAMME_CMD, a.pos[2], err);
    printf("programme %s created (%s)\n", a.pos[2], currency);
    return CLI_EXIT_OK;
}

int cmd_programme(int argc, char **argv)
{
    /* The action is the first positional; options may come before it
     * (every option but the flags --json and --help takes a value). */
    const char *action = NULL;
    for (int i = 1; i < argc && action == NULL; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            action = i + 1 < argc ? argv[i + 1] : NULL;
            break;
        }
        if (arg[0] != '-')
            action = arg;
        else if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') == NULL &&
                 strcmp(arg, "--json") != 0 && strcmp(arg, "--help") != 0)
            i++;
    }
    if (action != NULL && strcmp(action, "settings") == 0)
        return programme_settings(argc, argv);
    if (action == NULL || strcmp(action, "create") == 0)
        return programme_create(argc, argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_help(programme_usage);
    }
    return cli_usage_error(PROGRAMME_CMD, "unknown action '%s' (create or settings)", action);
}

int cmd_programmes(int argc, char **argv)
{
    const cli_opt opts[] = {{NULL, NULL, NULL}};
    cli_args a;
    int rc = cli_args_parse("programmes", argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(programmes_usage);
    if (a.pos_count != 1)
        return cli_usage_error("programmes", "needs exactly one ledger directory");
    ledger *l = NULL;
    rc = cli_ledger_open("programmes", a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    static ledger_programme_info list[PROGRAMMES_LIST_MAX];
    size_t n = 0;
    int err = ledger_programmes_list(l, list, PROGRAMMES_LIST_MAX, &n, NULL);
    ledger_close(l);
    if (err != LEDGER_OK)
        return cli_fail_ledger("programmes", a.pos[0], err);
    for (size_t i = 0; i < n; i++)
        printf("%-40s %s\n", list[i].name, list[i].currency);
    return CLI_EXIT_OK;
}
