/*
 * cmd_statement.c — `cauris statement`: two kinds of statement.
 *
 *   - An account's lines for a period, as plain text for the programme's
 *     staff (DIR CODE, or --account CODE): every page of
 *     ledger_statement_get() in turn.
 *   - Participants' printed statements (--participant, --cohort or
 *     --partner): issued first, all in one ledger_statements_issue() call
 *     that signs them into the log, then printed as PDF (A4 or receipt
 *     roll, with a QR code) or receipt text, in the language of --lang.
 *
 * This file parses, chooses the participants and writes the output file;
 * render_*.c lay the statements out.
 */
#include "cli/cli.h"
#include "cli/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char statement_usage[] =
    "usage: cauris statement DIR CODE [options]\n"
    "       cauris statement DIR --participant ID --principal WHO [options]\n"
    "       cauris statement DIR --cohort COHORT --principal WHO [options]\n"
    "       cauris statement DIR --partner CSO --principal WHO [options]\n"
    "\n"
    "With an account CODE (or --account CODE): the account's statement as text\n"
    "for the programme's staff: opening balance, one line per entry recorded in\n"
    "the period (recorded date, value date, seq, operation, memo or external\n"
    "reference, debit, credit, running balance), closing balance.\n"
    "\n"
    "With --participant (repeatable), --cohort or --partner (the participants a\n"
    "CSO follows): printed statements for participants. Each is first issued:\n"
    "its figures (wallet, capital, grant: opening and closing balance, number of\n"
    "lines) are signed into the ledger's log, all in one commit. Then each is\n"
    "printed: name, period, each account's dated lines in plain words, the\n"
    "closing balance in large type and a QR code that anyone can check with\n"
    "'cauris verify-statement' (offline, with the ledger's public key).\n"
    "\n"
    "options:\n"
    "  --programme NAME   the programme (default: the ledger's only one)\n"
    "  --from DATE        first recorded day, YYYY-MM-DD (default: the beginning)\n"
    "  --to DATE          last recorded day, YYYY-MM-DD (default: now)\n"
    "  --format FORMAT    text (an account's default) or pdf (participants' default)\n"
    "  --page-size N      an account: lines read per call, 1..1000 (default 1000)\n"
    "participants:\n"
    "  --principal WHO    who issues the statements (recorded in the log); required\n"
    "  --lang LANG        fr (default), en, pt or es\n"
    "  --paper PAPER      pdf: a4 (default: a participant per page), receipt80 or\n"
    "                     receipt58 (a roll: one page each, as long as needed);\n"
    "                     text: receipt80 (default, 42 columns) or receipt58 (32)\n"
    "  --output FILE      where to write (default: standard output, not a terminal\n"
    "                     for pdf); written whole or not at all\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n"
    "\n"
    "Amounts: fr 1 234 567 GNF, 1 234,56 USD; en and es USD 1,234.56; pt\n"
    "1.234,56 MZN. Dates: day/month/year. Receipt text carries the statement's\n"
    "number and check code instead of a QR code: cauris verify-statement DIR\n"
    "--seq N --digest CODE checks them.\n";

#define STATEMENT_CMD "statement"
#define STATEMENT_DESC_WIDTH 28           /* characters of memo shown per line */
#define STATEMENT_PARTICIPANTS_MAX 200000 /* participants printed in one run */
#define STATEMENT_LIST_PAGE 256           /* participants read per list call */

/* ---- an account's statement (text for the staff) ---- */

typedef struct statement_ctx {
    const char *programme, *code;
    uint32_t from, to, page_size;
    int digits;
    char currency[LEDGER_CURRENCY_LEN + 1];
} statement_ctx;

static void header_print(const statement_ctx *s, const ledger_account_info *info)
{
    char from[CLI_DATE_TEXT_MAX], to[CLI_DATE_TEXT_MAX];
    const char *type = ledger_account_type_name(info->type);
    cli_date_format(from, s->from);
    cli_date_format(to, s->to);
    printf("programme: %s\n", s->programme);
    printf("account:   %s (%s)\n", s->code, type ? type : "?");
    printf("currency:  %s\n", s->currency);
    printf("period:    %s .. %s\n", s->from ? from : "beginning", s->to ? to : "now");
}

static void line_print(const statement_ctx *s, const ledger_line *ln)
{
    char recorded[CLI_DATE_TEXT_MAX], value[CLI_DATE_TEXT_MAX], amount[CLI_AMOUNT_TEXT_MAX],
        balance[CLI_AMOUNT_TEXT_MAX];
    const char *op = ledger_op_name(ln->op);
    const char *desc = ln->memo[0]           ? ln->memo
                       : ln->external_ref[0] ? ln->external_ref
                                             : ln->client_id;
    cli_date_format(recorded, ledger_date_of_time(ln->recorded_at));
    cli_date_format(value, ln->value_date);
    cli_amount_format(amount, sizeof amount, ln->amount, s->digits);
    cli_amount_format(balance, sizeof balance, ln->balance_after, s->digits);
    printf("%-10s  %-10s  %8llu  %-15s %-*.*s  %16s  %16s  %16s\n", recorded, value,
           (unsigned long long)ln->seq, op ? op : "?", STATEMENT_DESC_WIDTH,
           STATEMENT_DESC_WIDTH, desc, ln->side == LEDGER_DEBIT ? amount : "",
           ln->side == LEDGER_CREDIT ? amount : "", balance);
}

static int statement_print(ledger *l, const statement_ctx *s)
{
    ledger_account_info info;
    ledger_statement st;
    char amount[CLI_AMOUNT_TEXT_MAX];
    int err = ledger_account_get(l, s->programme, s->code, &info);
    if (err != LEDGER_OK)
        return cli_fail_ledger(STATEMENT_CMD, s->code, err);
    ledger_line *lines = calloc(s->page_size, sizeof *lines);
    if (lines == NULL)
        return cli_fail(STATEMENT_CMD, "out of memory");
    ledger_statement_query q = {s->programme, s->code, s->from, s->to, 0, s->page_size};
    uint64_t printed = 0;
    int rc = CLI_EXIT_OK;
    header_print(s, &info);
    do {
        err = ledger_statement_get(l, &q, lines, &st);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(STATEMENT_CMD, s->code, err);
            break;
        }
        if (q.page_token == 0) {
            cli_amount_format(amount, sizeof amount, st.opening_balance, s->digits);
            printf("opening balance: %s %s\n\n", amount, s->currency);
            printf("%-10s  %-10s  %8s  %-15s %-*s  %16s  %16s  %16s\n", "recorded", "value",
                   "seq", "operation", STATEMENT_DESC_WIDTH, "description", "debit", "credit",
                   "balance");
        }
        for (uint32_t i = 0; i < st.lines_count; i++)
            line_print(s, &lines[i]);
        printed += st.lines_count;
        q.page_token = st.next_page_token;
    } while (q.page_token != 0);
    if (rc == CLI_EXIT_OK) {
        cli_amount_format(amount, sizeof amount, st.closing_balance, s->digits);
        printf("\nclosing balance: %s %s\n", amount, s->currency);
        printf("lines: %llu\n", (unsigned long long)printed);
        if (printed != st.lines_total)
            rc = cli_fail(STATEMENT_CMD, "%llu lines printed but the ledger counts %llu",
                          (unsigned long long)printed, (unsigned long long)st.lines_total);
    }
    free(lines);
    return rc;
}

/* ---- participants' printed statements ---- */

typedef struct print_opts {
    const char *dir, *programme, *principal, *pass_file, *output;
    const char *const *ids; /* --participant values */
    size_t ids_count;
    const char *cohort, *partner;
    uint32_t from, to;
    bool pdf;
    statement_paper paper;
} print_opts;

/* Who gets a statement: the ids given (each must be enrolled), or the
 * participants of a cohort or followed by a CSO, in id order. Writes a
 * malloc'd array of ids to *out. */
static int participants_choose(ledger *l, const char *prog, const print_opts *o,
                               char (**out)[LEDGER_PARTICIPANT_ID_MAX + 1], size_t *count)
{
    ledger_participant *page = calloc(STATEMENT_LIST_PAGE, sizeof *page);
    size_t cap = o->ids_count ? o->ids_count : STATEMENT_LIST_PAGE, n = 0, got = 0;
    char(*ids)[LEDGER_PARTICIPANT_ID_MAX + 1] = malloc(cap * sizeof *ids);
    int rc = CLI_EXIT_OK, err = LEDGER_OK;
    if (page == NULL || ids == NULL) {
        rc = cli_fail(STATEMENT_CMD, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < o->ids_count; i++) {
        err = ledger_participant_get(l, prog, o->ids[i], false, &page[0]);
        if (err == LEDGER_UNKNOWN_PARTICIPANT) {
            rc =
                cli_fail(STATEMENT_CMD, "no participant %s in programme %s; nothing was issued",
                         o->ids[i], prog);
            goto done;
        }
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(STATEMENT_CMD, o->ids[i], err);
            goto done;
        }
        snprintf(ids[n++], sizeof ids[0], "%s", page[0].id);
    }
    char after[LEDGER_PARTICIPANT_ID_MAX + 1] = "";
    do {
        if (o->ids_count > 0)
            break;
        err = ledger_participants_list(l, prog, after, page, STATEMENT_LIST_PAGE, &got);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(STATEMENT_CMD, "listing participants", err);
            goto done;
        }
        for (size_t i = 0; i < got; i++) {
            const ledger_participant *p = &page[i];
            if ((o->cohort && strcmp(p->cohort, o->cohort) != 0) ||
                (o->partner && strcmp(p->cso, o->partner) != 0))
                continue;
            if (n == STATEMENT_PARTICIPANTS_MAX) {
                rc = cli_fail(STATEMENT_CMD,
                              "more than %d participants; print them in smaller groups",
                              STATEMENT_PARTICIPANTS_MAX);
                goto done;
            }
            if (n == cap) {
                void *grown = realloc(ids, 2 * cap * sizeof *ids);
                if (grown == NULL) {
                    rc = cli_fail(STATEMENT_CMD, "out of memory");
                    goto done;
                }
                ids = grown;
                cap *= 2;
            }
            snprintf(ids[n++], sizeof ids[0], "%s", p->id);
        }
        if (got > 0)
            snprintf(after, sizeof after, "%s", page[got - 1].id);
    } while (got == STATEMENT_LIST_PAGE);
    if (n == 0) {
        rc = cli_fail(
            STATEMENT_CMD, "no participant in %s %s of programme %s; nothing was issued",
            o->cohort ? "cohort" : "partner", o->cohort ? o->cohort : o->partner, prog);
        goto done;
    }
done:
    free(page);
    if (rc != CLI_EXIT_OK) {
        free(ids);
        return rc;
    }
    *out = ids;
    *count = n;
    return CLI_EXIT_OK;
}

/* Where the statements go: a temporary file beside --output, renamed when
 * everything is written, or standard output. */
typedef struct output {
    FILE *f;
    const char *path; /* NULL: standard output */
    char tmp[LEDGER_DIR_MAX + 32];
} output;

static int output_open(const print_opts *o, output *out)
{
    memset(out, 0, sizeof *out);
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        if (o->pdf && isatty(STDOUT_FILENO))
            return cli_usage_error(STATEMENT_CMD,
                                   "a PDF is not for the terminal: give --output FILE");
        out->f = stdout;
        return CLI_EXIT_OK;
    }
    out->path = o->output;
    if (strlen(o->output) > LEDGER_DIR_MAX)
        return cli_usage_error(STATEMENT_CMD, "--output is longer than %d bytes",
                               LEDGER_DIR_MAX);
    snprintf(out->tmp, sizeof out->tmp, "%s.part-%ld", o->output, (long)getpid());
    out->f = fopen(out->tmp, "wb");
    if (out->f == NULL)
        return cli_fail(STATEMENT_CMD, "cannot write %s: %s", out->tmp, strerror(errno));
    return CLI_EXIT_OK;
}

/* Closes the output: renamed into place when `ok`, removed otherwise. */
static int output_close(output *out, bool ok)
{
    if (out->path == NULL) {
        if (fflush(stdout) != 0 && ok)
            return cli_fail(STATEMENT_CMD, "writing to standard output: %s", strerror(errno));
        return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    bool written = fflush(out->f) == 0 && !ferror(out->f);
    int saved = errno;
    if (fclose(out->f) != 0)
        written = false;
    if (ok && !written) {
        unlink(out->tmp);
        return cli_fail(STATEMENT_CMD, "writing %s: %s", out->tmp, strerror(saved));
    }
    if (ok && rename(out->tmp, out->path) != 0) {
        saved = errno;
        unlink(out->tmp);
        return cli_fail(STATEMENT_CMD, "cannot rename %s to %s: %s", out->tmp, out->path,
                        strerror(saved));
    }
    if (!ok)
        unlink(out->tmp);
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

typedef struct print_totals {
    size_t issued;
    unsigned pages;
    uint64_t first_seq, last_seq;
} print_totals;

/* Prints the statements just issued, one after the other. */
static int issued_print(ledger *l, const char *prog, const print_opts *o, statement_pdf *pdf,
                        FILE *f, const ledger_issued_statement *is, size_t n, print_totals *t)
{
    char why[STATEMENT_WHY_MAX];
    int width = o->paper == STATEMENT_PAPER_RECEIPT58 ? STATEMENT_TEXT_WIDTH_58
                                                      : STATEMENT_TEXT_WIDTH_80;
    statement_doc *doc = malloc(sizeof *doc);
    if (doc == NULL)
        return cli_fail(STATEMENT_CMD, "out of memory");
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        if (statement_doc_load(l, prog, &is[i], doc, why, sizeof why) != 0) {
            rc = cli_fail(STATEMENT_CMD, "statement of %s: %s", is[i].participant, why);
            break;
        }
        unsigned pages = 1;
        if (pdf != NULL && statement_pdf_add(pdf, doc, &pages, why, sizeof why) != 0)
            rc = cli_fail(STATEMENT_CMD, "statement of %s: %s", is[i].participant, why);
        else if (pdf == NULL && statement_render_text(f, doc, width) != 0)
            rc = cli_fail(STATEMENT_CMD, "writing the statement of %s: %s", is[i].participant,
                          strerror(errno));
        t->pages += pages;
        statement_doc_free(doc);
    }
    free(doc);
    return rc;
}

/* Issues the statements (all in one call when they fit one) and prints
 * each one. */
static int participants_print(ledger *l, const char *prog, const print_opts *o,
                              const char (*ids)[LEDGER_PARTICIPANT_ID_MAX + 1], size_t count,
                              output *out, print_totals *t)
{
    char why[STATEMENT_WHY_MAX];
    size_t chunk = count < LEDGER_STATEMENTS_ISSUE_MAX ? count : LEDGER_STATEMENTS_ISSUE_MAX;
    const char **who = calloc(chunk, sizeof *who);
    ledger_issued_statement *is = calloc(chunk, sizeof *is);
    statement_pdf *pdf = NULL;
    int rc = CLI_EXIT_OK;
    if (who == NULL || is == NULL)
        rc = cli_fail(STATEMENT_CMD, "out of memory");
    else if (o->pdf && statement_pdf_open(&pdf, out->f, o->paper, why, sizeof why) != 0)
        rc = cli_fail(STATEMENT_CMD, "%s", why);
    for (size_t at = 0; rc == CLI_EXIT_OK && at < count; at += chunk) {
        size_t n = count - at < chunk ? count - at : chunk;
        for (size_t i = 0; i < n; i++)
            who[i] = ids[at + i];
        int err = ledger_statements_issue(l, prog, o->principal, who, n, o->from, o->to, is);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(STATEMENT_CMD, "issuing the statements", err);
            break;
        }
        if (t->issued == 0)
            t->first_seq = is[0].seq;
        t->last_seq = is[n - 1].seq;
        t->issued += n;
        rc = issued_print(l, prog, o, pdf, out->f, is, n, t);
    }
    if (pdf != NULL && statement_pdf_close(pdf, why, sizeof why) != 0 && rc == CLI_EXIT_OK)
        rc = cli_fail(STATEMENT_CMD, "%s", why);
    if (pdf != NULL)
        statement_pdf_shutdown();
    if (rc != CLI_EXIT_OK && t->issued > 0)
        fprintf(stderr,
                "cauris statement: statements seq %llu to %llu were issued (signed into the "
                "log) but not all printed; printing again issues new ones\n",
                (unsigned long long)t->first_seq, (unsigned long long)t->last_seq);
    free(who);
    free(is);
    return rc;
}

static int participants_run(const print_opts *o)
{
    char prog[LEDGER_NAME_MAX + 1];
    char(*ids)[LEDGER_PARTICIPANT_ID_MAX + 1] = NULL;
    size_t count = 0;
    ledger *l = NULL;
    output out;
    print_totals t = {0, 0, 0, 0};
    int rc = cli_ledger_open_programme(STATEMENT_CMD, o->dir, true, o->pass_file, o->programme,
                                       &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = participants_choose(l, prog, o, &ids, &count);
    if (rc == CLI_EXIT_OK)
        rc = output_open(o, &out);
    if (rc != CLI_EXIT_OK) {
        free(ids);
        ledger_close(l);
        return rc;
    }
    rc = participants_print(l, prog, o, (const char(*)[LEDGER_PARTICIPANT_ID_MAX + 1]) ids,
                            count, &out, &t);
    rc = output_close(&out, rc == CLI_EXIT_OK) == CLI_EXIT_OK ? rc : CLI_EXIT_FAIL;
    if (rc == CLI_EXIT_OK) {
        /* The summary goes where it does not mix with the statements. */
        FILE *msg = out.path ? stdout : stderr;
        fprintf(msg, "issued %zu statement%s in %s (seq %llu to %llu)", t.issued,
                t.issued == 1 ? "" : "s", prog, (unsigned long long)t.first_seq,
                (unsigned long long)t.last_seq);
        if (o->pdf)
            fprintf(msg, "; %u page%s", t.pages, t.pages == 1 ? "" : "s");
        fprintf(msg, "; written to %s\n", out.path ? out.path : "standard output");
    }
    free(ids);
    ledger_close(l);
    return rc;
}

/* ---- arguments ---- */

static int date_opt(const char *name, const char *text, uint32_t *out)
{
    *out = 0;
    if (text != NULL && ledger_date_parse(text, out) != 0)
        return cli_usage_error(STATEMENT_CMD, "--%s '%s' is not a date YYYY-MM-DD", name, text);
    return 0;
}

typedef struct raw_opts {
    const char *programme, *from, *to, *format, *page, *account, *cohort, *partner, *lang,
        *paper, *output, *principal, *pass_file;
} raw_opts;

/* Checks the participants' options into *o and chooses the language. */
static int print_opts_check(const raw_opts *r, print_opts *o)
{
    char why[I18N_WHY_MAX];
    int chosen = (o->ids_count > 0) + (r->cohort != NULL) + (r->partner != NULL);
    if (chosen != 1)
        return cli_usage_error(
            STATEMENT_CMD, "give one of --participant ID, --cohort COHORT or --partner CSO");
    if (r->page != NULL)
        return cli_usage_error(STATEMENT_CMD, "--page-size goes with an account CODE");
    if (r->principal == NULL || r->principal[0] == '\0')
        return cli_usage_error(STATEMENT_CMD,
                               "--principal WHO is required: issuing statements is recorded");
    for (size_t i = 0; i < o->ids_count; i++)
        if (cli_participant_id_check(o->ids[i], why, sizeof why) != 0)
            return cli_usage_error(STATEMENT_CMD, "--participant %s", why);
    i18n_lang lang = I18N_LANG_DEFAULT;
    if (r->lang != NULL && i18n_lang_parse(r->lang, &lang) != 0)
        return cli_usage_error(STATEMENT_CMD, "--lang '%s' is not " I18N_LANGS_TEXT, r->lang);
    o->pdf = r->format == NULL || strcmp(r->format, "pdf") == 0;
    if (!o->pdf && strcmp(r->format, "text") != 0)
        return cli_usage_error(STATEMENT_CMD, "unknown format '%s' (pdf or text)", r->format);
    o->paper = o->pdf ? STATEMENT_PAPER_A4 : STATEMENT_PAPER_RECEIPT80;
    if (r->paper != NULL) {
        if (strcmp(r->paper, "a4") == 0 && o->pdf)
            o->paper = STATEMENT_PAPER_A4;
        else if (strcmp(r->paper, "receipt80") == 0)
            o->paper = STATEMENT_PAPER_RECEIPT80;
        else if (strcmp(r->paper, "receipt58") == 0)
            o->paper = STATEMENT_PAPER_RECEIPT58;
        else
            return cli_usage_error(STATEMENT_CMD, "--paper '%s' is not %s", r->paper,
                                   o->pdf ? "a4, receipt80 or receipt58"
                                          : "receipt80 or receipt58 (text is for receipt "
                                            "printers; a4 goes with --format pdf)");
    }
    o->programme = r->programme;
    o->principal = r->principal;
    o->pass_file = r->pass_file;
    o->output = r->output;
    o->cohort = r->cohort;
    o->partner = r->partner;
    if (i18n_init(lang, why, sizeof why) != 0)
        return cli_fail(STATEMENT_CMD, "%s", why);
    return 0;
}

static int account_run(const char *dir, const char *code, const raw_opts *r,
                       const statement_ctx *dates)
{
    if (r->format != NULL && strcmp(r->format, "text") != 0) {
        if (strcmp(r->format, "pdf") == 0)
            return cli_fail(STATEMENT_CMD,
                            "format pdf is not available yet for an account's statement (text "
                            "only); printed PDF statements are for participants: "
                            "--participant ID, --cohort COHORT or --partner CSO");
        return cli_usage_error(STATEMENT_CMD, "unknown format '%s' (text)", r->format);
    }
    if (r->lang || r->paper || r->output || r->principal)
        return cli_usage_error(STATEMENT_CMD, "--lang, --paper, --output and --principal go "
                                              "with participants' statements");
    uint64_t page_size = LEDGER_PAGE_MAX;
    if (r->page != NULL && (cli_parse_u64(r->page, &page_size) != 0 || page_size == 0 ||
                            page_size > LEDGER_PAGE_MAX))
        return cli_usage_error(STATEMENT_CMD, "--page-size must be 1 to %d", LEDGER_PAGE_MAX);
    char prog[LEDGER_NAME_MAX + 1];
    statement_ctx s = *dates;
    s.programme = prog;
    s.code = code;
    s.page_size = (uint32_t)page_size;
    ledger *l = NULL;
    int rc = cli_ledger_open_programme(STATEMENT_CMD, dir, false, NULL, r->programme, &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_programme_currency(STATEMENT_CMD, l, prog, s.currency, &s.digits);
    if (rc == CLI_EXIT_OK)
        rc = statement_print(l, &s);
    ledger_close(l);
    return rc;
}

int cmd_statement(int argc, char **argv)
{
    raw_opts r;
    memset(&r, 0, sizeof r);
    const char *ids[CLI_REPEAT_MAX];
    size_t ids_count = 0;
    const cli_opt opts[] = {
        {"programme", &r.programme, NULL},
        {"from", &r.from, NULL},
        {"to", &r.to, NULL},
        {"format", &r.format, NULL},
        {"page-size", &r.page, NULL},
        {"account", &r.account, NULL},
        {"cohort", &r.cohort, NULL},
        {"partner", &r.partner, NULL},
        {"lang", &r.lang, NULL},
        {"paper", &r.paper, NULL},
        {"output", &r.output, NULL},
        {"principal", &r.principal, NULL},
        {"passphrase-file", &r.pass_file, NULL},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_take_repeated(STATEMENT_CMD, &argc, argv, "participant", ids, &ids_count);
    if (rc == 0)
        rc = cli_args_parse(STATEMENT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(statement_usage);
    statement_ctx dates;
    memset(&dates, 0, sizeof dates);
    if ((rc = date_opt("from", r.from, &dates.from)) != 0 ||
        (rc = date_opt("to", r.to, &dates.to)) != 0)
        return rc;
    if (dates.from != 0 && dates.to != 0 && dates.from > dates.to)
        return cli_usage_error(STATEMENT_CMD, "--from is after --to");
    bool people = ids_count > 0 || r.cohort != NULL || r.partner != NULL;
    if (a.pos_count == 2 && r.account == NULL && !people)
        return account_run(a.pos[0], a.pos[1], &r, &dates);
    if (a.pos_count == 1 && r.account != NULL && !people)
        return account_run(a.pos[0], r.account, &r, &dates);
    if (a.pos_count != 1 || (people && r.account != NULL))
        return cli_usage_error(
            STATEMENT_CMD, "needs a ledger directory and one account CODE, or --participant "
                           "ID, --cohort COHORT or --partner CSO");
    if (!people)
        return cli_usage_error(STATEMENT_CMD, "needs an account CODE, or --participant ID, "
                                              "--cohort COHORT or --partner CSO");
    print_opts o;
    memset(&o, 0, sizeof o);
    o.dir = a.pos[0];
    o.ids = ids;
    o.ids_count = ids_count;
    o.from = dates.from;
    o.to = dates.to;
    rc = print_opts_check(&r, &o);
    if (rc != 0)
        return rc;
    return participants_run(&o);
}
