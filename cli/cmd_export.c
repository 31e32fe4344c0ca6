/*
 * cmd_export.c — `cauris export`: a programme's posted entries for other
 * accounting tools, as CSV (one row per leg), an hledger journal or a
 * beancount ledger.
 *
 * What is exported: every entry of the programme that moves posted
 * balances — kinds posted, post (a pending entry approved: its legs move
 * the balances when it is posted) and reversal — in seq order, up to the
 * latest checkpoint's tree size when the export starts (one consistent
 * cut while a writer goes on). Pending entries and voids move no posted
 * balance and are left out, so each tool's balances are the ledger's.
 * --from and --to keep the entries whose value date is in the period.
 *
 * Account names: hledger takes the ledger's codes under their type
 * ("assets:partner:mfi1:cash", "liabilities:participant:P1:wallet");
 * beancount needs each component to start with a capital letter or a
 * digit and to hold only letters, digits and '-', so a component is
 * written as follows, which is one to one (a different code never gives
 * the same name):
 *   - a first character a-z is capitalised ("mfi1" -> "Mfi1"), a first
 *     digit 1-9 kept; any other start (A-Z, 0, '.', '_', '-') gets a "0"
 *     put before it ("P1" -> "0P1");
 *   - then letters and digits are kept, '-' is written "--" and any other
 *     byte "-XX" in hexadecimal ('_' -> "-5F", '.' -> "-2E").
 * So "participant:P1:wallet" is Liabilities:Participant:0P1:Wallet.
 *
 * Never: compute a balance, or round an amount (they are written with the
 * currency's digits, exactly).
 */
#include "cli/cli.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT_CMD "export"
#define EXPORT_NAME_MAX (16 + 4 * LEDGER_CODE_MAX) /* an account name, worst case escaped */
#define EXPORT_TEXT_MAX (3 * LEDGER_MEMO_MAX)      /* a string made safe for a format */
#define EXPORT_ACCOUNTS_MAX 4000000u               /* accounts of one programme */
#define EXPORT_PATH_MAX 4096

static const char export_usage[] =
    "usage: cauris export DIR --format csv|hledger|beancount [options]\n"
    "\n"
    "Writes the programme's posted entries (kinds posted, post and reversal) in\n"
    "seq order, up to the latest checkpoint: date (the value date), seq, client\n"
    "id, external reference, memo and the legs in the currency's units with its\n"
    "digits. Pending entries and voids move no posted balance and are left out,\n"
    "so the tool's balances equal cauris balance.\n"
    "\n"
    "  csv        one row per leg: seq, date, kind, op, client_id, external_ref,\n"
    "             memo, account, debit, credit, currency\n"
    "  hledger    a journal; accounts are the codes under their type, e.g.\n"
    "             assets:partner:mfi1:cash, liabilities:participant:P1:wallet\n"
    "  beancount  a ledger with its options and an open directive per account,\n"
    "             dated at its first entry; components capitalised and escaped\n"
    "             one to one (Assets:Partner:Mfi1:Cash,\n"
    "             Liabilities:Participant:0P1:Wallet: a component not starting\n"
    "             with a-z gets a leading 0; '_' is -5F, '.' is -2E, '-' is --)\n"
    "\n"
    "options:\n"
    "  --programme NAME  the programme (default: the ledger's only one)\n"
    "  --from DATE       first value date, YYYY-MM-DD (default: the beginning)\n"
    "  --to DATE         last value date (default: the end); with either, the\n"
    "                    tool's balances are the period's movements\n"
    "  --output FILE     write FILE (replaced whole, only once complete) instead\n"
    "                    of standard output\n";

typedef enum exp_fmt { EXP_CSV, EXP_HLEDGER, EXP_BEANCOUNT } exp_fmt;

/* An account seen in the export: its first value date (beancount's open). */
typedef struct exp_account {
    uint64_t id_plus_one; /* 0 = empty slot */
    uint32_t first_date;
    ledger_account_type type;
    char code[LEDGER_CODE_MAX + 1];
} exp_account;

typedef struct exporter {
    ledger *l;
    FILE *out;
    exp_fmt fmt;
    const char *dir;
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    uint32_t from, to;
    uint64_t tree_size;
    uint64_t entries, legs, left_out;
    ledger_entry *e;    /* one entry at a time: large, so on the heap */
    exp_account *table; /* open addressing on the account id */
    size_t table_cap, table_count;
} exporter;

/* ---- account names ---- */

static const char *type_hledger(ledger_account_type t)
{
    static const char *const names[] = {"",       "assets", "liabilities",
                                        "equity", "income", "expenses"};
    return t >= LEDGER_ASSET && t <= LEDGER_EXPENSE ? names[t] : "unknown";
}

static const char *type_beancount(ledger_account_type t)
{
    static const char *const names[] = {"",       "Assets", "Liabilities",
                                        "Equity", "Income", "Expenses"};
    return t >= LEDGER_ASSET && t <= LEDGER_EXPENSE ? names[t] : "Unknown";
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One component of a code, s[0..len), as beancount takes it (see above). */
static size_t component_beancount(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0, i = 0;
    if (len > 0 && s[0] >= 'a' && s[0] <= 'z') {
        out[o++] = (char)(s[0] - 'a' + 'A');
        i = 1;
    } else if (len > 0 && s[0] >= '1' && s[0] <= '9') {
        out[o++] = s[0];
        i = 1;
    } else {
        out[o++] = '0';
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (alnum(s[i])) {
            out[o++] = s[i];
        } else if (c == '-') {
            out[o++] = '-';
            out[o++] = '-';
        } else {
            out[o++] = '-';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15u];
        }
    }
    return o;
}

static void name_of(const exporter *x, char out[EXPORT_NAME_MAX], const char *code,
                    ledger_account_type type)
{
    if (x->fmt == EXP_HLEDGER) {
        snprintf(out, EXPORT_NAME_MAX, "%s:%s", type_hledger(type), code);
        return;
    }
    size_t o = (size_t)snprintf(out, EXPORT_NAME_MAX, "%s", type_beancount(type));
    for (const char *p = code;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        out[o++] = ':';
        o += component_beancount(out + o, p, len);
        if (end == NULL)
            break;
        p = end + 1;
    }
    out[o] = '\0';
}

/* ---- text made safe for each format ---- */

/* Control characters become spaces (no line may break); for beancount
 * strings '"' becomes '\'' and '\\' '/', for hledger's description ';'
 * (a comment) becomes ','. */
static const char *safe(char out[EXPORT_TEXT_MAX], const char *in, exp_fmt fmt,
                        bool description)
{
    size_t n = 0;
    for (; in[n] != '\0' && n < EXPORT_TEXT_MAX - 1; n++) {
        char c = in[n];
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = ' ';
        else if (fmt == EXP_BEANCOUNT && c == '"')
            c = '\'';
        else if (fmt == EXP_BEANCOUNT && c == '\\')
            c = '/';
        else if (fmt == EXP_HLEDGER && description && c == ';')
            c = ',';
        out[n] = c;
    }
    out[n] = '\0';
    return out;
}

/* ---- the accounts an export uses ---- */

static exp_account *account_slot(exporter *x, uint64_t id)
{
    size_t mask = x->table_cap - 1, i = (size_t)(id * 0x9e3779b97f4a7c15ull) & mask;
    while (x->table[i].id_plus_one != 0 && x->table[i].id_plus_one != id + 1)
        i = (i + 1) & mask;
    return &x->table[i];
}

static int table_grow(exporter *x)
{
    exp_account *old = x->table;
    size_t old_cap = x->table_cap;
    x->table_cap = old_cap ? old_cap * 2 : 1024;
    x->table = calloc(x->table_cap, sizeof *x->table);
    if (x->table == NULL) {
        x->table = old;
        x->table_cap = old_cap;
        return cli_fail(EXPORT_CMD, "out of memory");
    }
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].id_plus_one != 0)
            *account_slot(x, old[i].id_plus_one - 1) = old[i];
    }
    free(old);
    return CLI_EXIT_OK;
}

/* Notes the entry's accounts and the first date each is used. */
static int accounts_note(exporter *x, const ledger_entry *e)
{
    for (uint32_t i = 0; i < e->legs_count; i++) {
        const ledger_leg *g = &e->legs[i];
        if ((x->table_count + 1) * 2 > x->table_cap && table_grow(x) != CLI_EXIT_OK)
            return CLI_EXIT_FAIL;
        exp_account *a = account_slot(x, g->account_id);
        if (a->id_plus_one != 0) {
            a->first_date = e->value_date < a->first_date ? e->value_date : a->first_date;
            continue;
        }
        if (x->table_count == EXPORT_ACCOUNTS_MAX)
            return cli_fail(EXPORT_CMD, "more than %u accounts", EXPORT_ACCOUNTS_MAX);
        if (ledger_chart_classify(g->account, &a->type, NULL) != LEDGER_OK)
            return cli_fail(EXPORT_CMD,
                            "seq %llu: account '%s' fits no pattern of the chart "
                            "of accounts: run cauris verify",
                            (unsigned long long)e->seq, g->account);
        a->id_plus_one = g->account_id + 1;
        a->first_date = e->value_date;
        snprintf(a->code, sizeof a->code, "%s", g->account);
        x->table_count++;
    }
    return CLI_EXIT_OK;
}

/* Assets, liabilities, equity, income, expenses; by code within each. */
static int by_type_code(const void *pa, const void *pb)
{
    const exp_account *a = pa, *b = pb;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* ---- the walk over the entries ---- */

static bool moves_posted(ledger_kind kind)
{
    return kind == LEDGER_KIND_POSTED || kind == LEDGER_KIND_POST ||
           kind == LEDGER_KIND_REVERSAL;
}

typedef int (*entry_fn)(exporter *x, const ledger_entry *e);

/* Calls fn for every exported entry, in seq order. */
static int export_walk(exporter *x, entry_fn fn, bool count)
{
    for (uint64_t seq = 0; seq < x->tree_size; seq++) {
        int err = ledger_entry_get(x->l, seq, x->e);
        if (err == LEDGER_NOT_FOUND)
            continue; /* a leaf that is not an entry */
        if (err != LEDGER_OK) {
            char what[64];
            snprintf(what, sizeof what, "entry %llu", (unsigned long long)seq);
            return cli_fail_ledger(EXPORT_CMD, what, err);
        }
        const ledger_entry *e = x->e;
        if (strcmp(e->programme, x->programme) != 0)
            continue;
        bool in = (x->from == 0 || e->value_date >= x->from) &&
                  (x->to == 0 || e->value_date <= x->to);
        if (in && !moves_posted(e->kind))
            x->left_out += count;
        if (!in || !moves_posted(e->kind))
            continue;
        int rc = fn(x, e);
        if (rc != CLI_EXIT_OK)
            return rc;
        x->entries += count;
        x->legs += count ? e->legs_count : 0;
    }
    return CLI_EXIT_OK;
}

static void amount_signed(const exporter *x, char out[CLI_AMOUNT_TEXT_MAX], const ledger_leg *g)
{
    cli_amount_format(out, CLI_AMOUNT_TEXT_MAX,
                      g->side == LEDGER_DEBIT ? g->amount : -g->amount, x->digits);
}

/* ---- CSV ---- */

static void csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n") != NULL)
        csv_fwrite(f, s, strlen(s)); /* libcsv quotes it */
    else
        fputs(s, f);
    fputc(last ? '\n' : ',', f);
}

static int csv_entry(exporter *x, const ledger_entry *e)
{
    char date[CLI_DATE_TEXT_MAX], seq[24], amount[CLI_AMOUNT_TEXT_MAX];
    const char *op = ledger_op_name(e->op), *kind = ledger_kind_name(e->kind);
    cli_date_format(date, e->value_date);
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->seq);
    for (uint32_t i = 0; i < e->legs_count; i++) {
        const ledger_leg *g = &e->legs[i];
        cli_amount_format(amount, sizeof amount, g->amount, x->digits);
        csv_field(x->out, seq, false);
        csv_field(x->out, date, false);
        csv_field(x->out, kind ? kind : "?", false);
        csv_field(x->out, op ? op : "?", false);
        csv_field(x->out, e->client_id, false);
        csv_field(x->out, e->external_ref, false);
        csv_field(x->out, e->memo, false);
        csv_field(x->out, g->account, false);
        csv_field(x->out, g->side == LEDGER_DEBIT ? amount : "", false);
        csv_field(x->out, g->side == LEDGER_CREDIT ? amount : "", false);
        csv_field(x->out, x->currency, true);
    }
    return CLI_EXIT_OK;
}

/* ---- hledger ---- */

static int hledger_entry(exporter *x, const ledger_entry *e)
{
    char date[CLI_DATE_TEXT_MAX], text[EXPORT_TEXT_MAX], name[EXPORT_NAME_MAX],
        amount[CLI_AMOUNT_TEXT_MAX];
    const char *op = ledger_op_name(e->op);
    cli_date_format(date, e->value_date);
    fprintf(x->out, "%s (seq %llu) %s %s", date, (unsigned long long)e->seq, op ? op : "?",
            safe(text, e->client_id, EXP_HLEDGER, true));
    const char *sep = "  ; ";
    if (e->external_ref[0] != '\0') {
        fprintf(x->out, "%sref: %s", sep, safe(text, e->external_ref, EXP_HLEDGER, false));
        sep = ", ";
    }
    if (e->kind != LEDGER_KIND_POSTED)
        fprintf(x->out, "%skind: %s, %s: %llu", sep, ledger_kind_name(e->kind),
                e->kind == LEDGER_KIND_POST ? "posts" : "reverses", (unsigned long long)e->ref);
    fputc('\n', x->out);
    if (e->memo[0] != '\0')
        fprintf(x->out, "    ; %s\n", safe(text, e->memo, EXP_HLEDGER, false));
    for (uint32_t i = 0; i < e->legs_count; i++) {
        const ledger_leg *g = &e->legs[i];
        ledger_account_type type;
        if (ledger_chart_classify(g->account, &type, NULL) != LEDGER_OK)
            return cli_fail(EXPORT_CMD,
                            "seq %llu: account '%s' fits no pattern of the chart "
                            "of accounts: run cauris verify",
                            (unsigned long long)e->seq, g->account);
        name_of(x, name, g->account, type);
        amount_signed(x, amount, g);
        fprintf(x->out, "    %-50s  %20s %s\n", name, amount, x->currency);
    }
    fputc('\n', x->out);
    return CLI_EXIT_OK;
}

/* ---- beancount ---- */

static int beancount_entry(exporter *x, const ledger_entry *e)
{
    char date[CLI_DATE_TEXT_MAX], text[EXPORT_TEXT_MAX], name[EXPORT_NAME_MAX],
        amount[CLI_AMOUNT_TEXT_MAX];
    const char *op = ledger_op_name(e->op);
    cli_date_format(date, e->value_date);
    fprintf(x->out, "%s * \"%s\" \"%s\"\n", date, op ? op : "?",
            safe(text, e->memo, EXP_BEANCOUNT, false));
    fprintf(x->out, "  seq: %llu\n  kind: \"%s\"\n", (unsigned long long)e->seq,
            ledger_kind_name(e->kind));
    if (e->kind != LEDGER_KIND_POSTED)
        fprintf(x->out, "  %s: %llu\n", e->kind == LEDGER_KIND_POST ? "posts" : "reverses",
                (unsigned long long)e->ref);
    fprintf(x->out, "  client_id: \"%s\"\n", safe(text, e->client_id, EXP_BEANCOUNT, false));
    if (e->external_ref[0] != '\0')
        fprintf(x->out, "  external_ref: \"%s\"\n",
                safe(text, e->external_ref, EXP_BEANCOUNT, false));
    for (uint32_t i = 0; i < e->legs_count; i++) {
        const exp_account *a = account_slot(x, e->legs[i].account_id);
        if (a->id_plus_one == 0)
            return cli_fail(EXPORT_CMD, "seq %llu: account '%s' appeared while exporting",
                            (unsigned long long)e->seq, e->legs[i].account);
        name_of(x, name, a->code, a->type);
        amount_signed(x, amount, &e->legs[i]);
        fprintf(x->out, "  %-50s  %20s %s\n", name, amount, x->currency);
    }
    fputc('\n', x->out);
    return CLI_EXIT_OK;
}

/* The options, then an open directive per account, by type and code. */
static int beancount_head(exporter *x)
{
    char name[EXPORT_NAME_MAX], date[CLI_DATE_TEXT_MAX];
    fprintf(x->out, "option \"title\" \"cauris programme %s\"\n", x->programme);
    fprintf(x->out, "option \"operating_currency\" \"%s\"\n\n", x->currency);
    exp_account *sorted = calloc(x->table_count ? x->table_count : 1, sizeof *sorted);
    if (sorted == NULL)
        return cli_fail(EXPORT_CMD, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < x->table_cap; i++) {
        if (x->table[i].id_plus_one != 0)
            sorted[n++] = x->table[i];
    }
    qsort(sorted, n, sizeof *sorted, by_type_code);
    for (size_t i = 0; i < n; i++) {
        name_of(x, name, sorted[i].code, sorted[i].type);
        cli_date_format(date, sorted[i].first_date);
        fprintf(x->out, "%s open %s %s\n  code: \"%s\"\n", date, name, x->currency,
                sorted[i].code);
    }
    free(sorted);
    fputc('\n', x->out);
    return CLI_EXIT_OK;
}

/* ---- the command ---- */

static void head_comment(const exporter *x, const char *comment)
{
    fprintf(x->out,
            "%s cauris export of programme %s (%s) from %s, tree size %llu\n"
            "%s posted entries (kinds posted, post, reversal) by value date; pending\n"
            "%s entries and voids move no posted balance and are left out\n\n",
            comment, x->programme, x->currency, x->dir, (unsigned long long)x->tree_size,
            comment, comment);
}

static int export_write(exporter *x)
{
    switch (x->fmt) {
    case EXP_CSV:
        fprintf(x->out,
                "seq,date,kind,op,client_id,external_ref,memo,account,debit,credit,currency\n");
        return export_walk(x, csv_entry, true);
    case EXP_HLEDGER:
        head_comment(x, ";");
        /* Declares the decimal mark and the digits ("1000." for none). */
        fprintf(x->out, "commodity 1000.%.*s %s\n\n", x->digits, "000000000000000000",
                x->currency);
        return export_walk(x, hledger_entry, true);
    case EXP_BEANCOUNT:
        head_comment(x, ";");
        if (export_walk(x, accounts_note, false) != CLI_EXIT_OK ||
            beancount_head(x) != CLI_EXIT_OK)
            return CLI_EXIT_FAIL;
        return export_walk(x, beancount_entry, true);
    }
    return CLI_EXIT_FAIL;
}

/* Opens where the export goes: standard output, or a temporary file
 * beside FILE that export_close() renames over it once complete. */
static int export_open(exporter *x, const char *path, char tmp[EXPORT_PATH_MAX])
{
    if (path == NULL) {
        x->out = stdout;
        return CLI_EXIT_OK;
    }
    if (snprintf(tmp, EXPORT_PATH_MAX, "%s.XXXXXX", path) >= EXPORT_PATH_MAX)
        return cli_fail(EXPORT_CMD, "--output: the path is longer than %d bytes",
                        EXPORT_PATH_MAX - 8);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cli_fail(EXPORT_CMD, "cannot create a file beside %s: %s", path,
                        strerror(errno));
    /* mkstemp makes it 0600; an export is an ordinary file, under the umask. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        close(fd);
        unlink(tmp);
        return cli_fail(EXPORT_CMD, "cannot set the mode of %s: %s", tmp, strerror(errno));
    }
    x->out = fdopen(fd, "w");
    if (x->out == NULL) {
        close(fd);
        unlink(tmp);
        return cli_fail(EXPORT_CMD, "cannot write %s: %s", tmp, strerror(errno));
    }
    return CLI_EXIT_OK;
}

static int export_close(exporter *x, const char *path, const char *tmp, int rc)
{
    if (path == NULL)
        return rc;
    bool failed = ferror(x->out) != 0;
    failed = (fflush(x->out) != 0 || fsync(fileno(x->out)) != 0) || failed;
    failed = fclose(x->out) != 0 || failed;
    if (rc == CLI_EXIT_OK && failed)
        rc = cli_fail(EXPORT_CMD, "cannot write %s: %s", path, strerror(errno));
    if (rc == CLI_EXIT_OK && rename(tmp, path) != 0)
        rc = cli_fail(EXPORT_CMD, "cannot replace %s: %s", path, strerror(errno));
    if (rc != CLI_EXIT_OK)
        unlink(tmp);
    return rc;
}

static int export_run(exporter *x, const char *programme, const char *output)
{
    char tmp[EXPORT_PATH_MAX], note[LEDGER_CHECKPOINT_MAX];
    size_t len;
    int rc = cli_ledger_open_programme(EXPORT_CMD, x->dir, false, NULL, programme, &x->l,
                                       x->programme);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_programme_currency(EXPORT_CMD, x->l, x->programme, x->currency, &x->digits);
    int err = rc == CLI_EXIT_OK
                  ? ledger_checkpoint_latest(x->l, note, sizeof note, &len, &x->tree_size)
                  : LEDGER_OK;
    if (err != LEDGER_OK)
        rc = cli_fail_ledger(EXPORT_CMD, "the latest checkpoint", err);
    if (rc == CLI_EXIT_OK)
        rc = export_open(x, output, tmp);
    if (rc == CLI_EXIT_OK) {
        rc = export_write(x);
        rc = export_close(x, output, tmp, rc);
    }
    ledger_close(x->l);
    if (rc == CLI_EXIT_OK && output != NULL)
        printf("exported %llu entries (%llu legs) of programme %s to %s; %llu pending or "
               "void entries left out\n",
               (unsigned long long)x->entries, (unsigned long long)x->legs, x->programme,
               output, (unsigned long long)x->left_out);
    return rc;
}

static int date_opt(const char *name, const char *text, uint32_t *out)
{
    *out = 0;
    if (text != NULL && ledger_date_parse(text, out) != 0)
        return cli_usage_error(EXPORT_CMD, "--%s '%s' is not a date YYYY-MM-DD", name, text);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    const char *programme = NULL, *format = NULL, *from = NULL, *to = NULL, *output = NULL;
    const cli_opt opts[] = {
        {"programme", &programme, NULL}, {"format", &format, NULL},
        {"from", &from, NULL},           {"to", &to, NULL},
        {"output", &output, NULL},       {NULL, NULL, NULL},
    };
    cli_args a;
    exporter x;
    memset(&x, 0, sizeof x);
    int rc = cli_args_parse(EXPORT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(export_usage);
    if (a.pos_count != 1)
        return cli_usage_error(EXPORT_CMD, "needs exactly one ledger directory");
    if (format == NULL)
        return cli_usage_error(EXPORT_CMD, "needs --format csv, hledger or beancount");
    if (strcmp(format, "csv") == 0)
        x.fmt = EXP_CSV;
    else if (strcmp(format, "hledger") == 0)
        x.fmt = EXP_HLEDGER;
    else if (strcmp(format, "beancount") == 0)
        x.fmt = EXP_BEANCOUNT;
    else
        return cli_usage_error(EXPORT_CMD, "--format '%s': give csv, hledger or beancount",
                               format);
    if ((rc = date_opt("from", from, &x.from)) != 0 || (rc = date_opt("to", to, &x.to)) != 0)
        return rc;
    if (x.from != 0 && x.to != 0 && x.from > x.to)
        return cli_usage_error(EXPORT_CMD, "--from is after --to");
    x.dir = a.pos[0];
    x.e = malloc(sizeof *x.e);
    if (x.e == NULL)
        return cli_fail(EXPORT_CMD, "out of memory");
    rc = export_run(&x, programme, output);
    free(x.e);
    free(x.table);
    return rc;
}
