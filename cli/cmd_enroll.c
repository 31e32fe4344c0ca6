/*
 * cmd_enroll.c — `cauris enroll`: enrols the participants of a CSV file,
 * all or none.
 *
 * The whole file is checked first, every row and column, and every
 * mistake named by line and column; then one ledger_participants_enrol()
 * call, atomic: a refused row (an id already enrolled, someone who looks
 * like a participant already there) enrols nobody. A look-alike who is a
 * different person is confirmed with --confirm-distinct ID=OTHER or a
 * confirm_distinct_from column, and the confirmation is recorded.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static const char enroll_usage[] =
    "usage: cauris enroll DIR FILE.csv|- --partner ID --principal WHO [options]\n"
    "\n"
    "Enrols the participants of a CSV file (UTF-8; ',' or ';' separated; a header\n"
    "row naming the columns, in any order):\n"
    "  id           the programme's id of the person: letters, digits, _ - . (max 32)\n"
    "  sex          f, m, female or male\n"
    "  birth_year   e.g. 1994 (empty when not known)\n"
    "  wg_ss        Washington Group short set: six answers 1-4 (seeing, hearing,\n"
    "               walking, cognition, self-care, communication), or empty\n"
    "  admin1       region\n"
    "  admin2       prefecture / district\n"
    "  category     former_security_forces, community_member, returned_migrant,\n"
    "               displaced_person or refugee\n"
    "  cohort       e.g. 2026-A\n"
    "  phase        1, 2 or 3\n"
    "  cso          the CSO partner following the person\n"
    "  name, phone  personal data: encrypted, never in the journal (phone may be\n"
    "               empty)\n"
    "  confirm_distinct_from   optional: the id of a look-alike this person is not\n"
    "\n"
    "Each participant gets the accounts participant:ID:wallet, :capital (locked\n"
    "until the programme's unlock phase) and :grant.\n"
    "\n"
    "The whole file is checked first; then all rows are enrolled, or none: an id\n"
    "already enrolled, or a person with the same name, birth year and location as\n"
    "another participant, refuses the file. If they are different people, confirm\n"
    "it with --confirm-distinct ID=OTHER or the confirm_distinct_from column.\n"
    "\n"
    "options:\n"
    "  --partner ID              the partner enrolling them (e.g. the CSO)\n"
    "  --principal WHO           the person doing it\n"
    "  --programme NAME          the programme (default: the ledger's only one)\n"
    "  --confirm-distinct ID=OTHER  participant ID is not OTHER (repeatable)\n"
    "  --separator SEP           ',', ';' or tab (default: guessed from the header)\n"
    "  --passphrase-file FILE    passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n"
    "\n"
    "Exits 0 when every row was enrolled, 1 when none was.\n";

#define ENROLL_CMD "enroll"
#define WHY_MAX 256

enum {
    COL_ID,
    COL_SEX,
    COL_BIRTH_YEAR,
    COL_WG_SS,
    COL_ADMIN1,
    COL_ADMIN2,
    COL_CATEGORY,
    COL_COHORT,
    COL_PHASE,
    COL_CSO,
    COL_NAME,
    COL_PHONE,
    COL_DISTINCT,
    COL_COUNT
};

static const cli_csv_column columns[COL_COUNT] = {
    [COL_ID] = {"id", true},
    [COL_SEX] = {"sex", true},
    [COL_BIRTH_YEAR] = {"birth_year", true},
    [COL_WG_SS] = {"wg_ss", true},
    [COL_ADMIN1] = {"admin1", true},
    [COL_ADMIN2] = {"admin2", true},
    [COL_CATEGORY] = {"category", true},
    [COL_COHORT] = {"cohort", true},
    [COL_PHASE] = {"phase", true},
    [COL_CSO] = {"cso", true},
    [COL_NAME] = {"name", true},
    [COL_PHONE] = {"phone", true},
    [COL_DISTINCT] = {"confirm_distinct_from", false},
};

typedef struct enroll_ctx {
    const cli_csv *t;
    int col[COL_COUNT];
    const char *path;
    ledger_enrolment *rows;
    const char *confirms[CLI_REPEAT_MAX];
    size_t confirms_count;
} enroll_ctx;

static const char *field(const enroll_ctx *c, size_t row, int col)
{
    return cli_csv_field(c->t, row, c->col[col]);
}

/* Copies a text column into out[cap] once checked. */
static int text_take(const enroll_ctx *c, size_t row, int col, char *out, size_t cap,
                     bool required, char *why, size_t why_cap)
{
    const char *s = field(c, row, col);
    if (cli_text_check(s, cap - 1, required, why, why_cap) != 0)
        return -1;
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

/* Checks column `col` of a row into *p; -1 with the reason in why. */
static int column_take(const enroll_ctx *c, size_t row, int col, ledger_participant *p,
                       char *why, size_t cap)
{
    const char *s = field(c, row, col);
    switch (col) {
    case COL_ID:
        if (cli_participant_id_check(s, why, cap) != 0)
            return -1;
        snprintf(p->id, sizeof p->id, "%s", s);
        return 0;
    case COL_SEX:
        return cli_sex_parse(s, &p->sex, why, cap);
    case COL_BIRTH_YEAR:
        return cli_birth_year_parse(s, &p->birth_year, why, cap);
    case COL_WG_SS:
        if (cli_wg_ss_check(s, why, cap) != 0)
            return -1;
        snprintf(p->wg_ss, sizeof p->wg_ss, "%s", s);
        return 0;
    case COL_ADMIN1:
        return text_take(c, row, col, p->admin1, sizeof p->admin1, true, why, cap);
    case COL_ADMIN2:
        return text_take(c, row, col, p->admin2, sizeof p->admin2, true, why, cap);
    case COL_CATEGORY:
        return cli_category_parse(s, &p->category, why, cap);
    case COL_COHORT:
        return text_take(c, row, col, p->cohort, sizeof p->cohort, true, why, cap);
    case COL_PHASE:
        return cli_phase_parse(s, &p->phase, why, cap);
    case COL_CSO:
        return text_take(c, row, col, p->cso, sizeof p->cso, true, why, cap);
    case COL_NAME:
        return text_take(c, row, col, p->name, sizeof p->name, true, why, cap);
    case COL_PHONE:
        return text_take(c, row, col, p->phone, sizeof p->phone, false, why, cap);
    default: /* COL_DISTINCT */
        return s[0] == '\0' ? 0 : cli_participant_id_check(s, why, cap);
    }
}

/* One row into c->rows[row]; prints each bad column and returns how many
 * there were. */
static uint64_t row_check(enroll_ctx *c, size_t row)
{
    char why[WHY_MAX];
    uint64_t bad = 0;
    const char *distinct = field(c, row, COL_DISTINCT);
    memset(&c->rows[row].p, 0, sizeof c->rows[row].p);
    for (int col = 0; col < COL_COUNT; col++) {
        if (column_take(c, row, col, &c->rows[row].p, why, sizeof why) != 0) {
            fprintf(stderr, "line %llu: column %s: %s\n",
                    (unsigned long long)c->t->rows[row].line, columns[col].name, why);
            bad++;
        }
    }
    c->rows[row].confirm_distinct_from = distinct[0] != '\0' ? distinct : NULL;
    return bad;
}

static int id_order(const void *a, const void *b)
{
    const ledger_enrolment *x = *(const ledger_enrolment *const *)a,
                           *y = *(const ledger_enrolment *const *)b;
    int d = strcmp(x->p.id, y->p.id);
    return d != 0 ? d : (x < y ? -1 : x > y);
}

/* An id twice in the file: both lines named. */
static uint64_t ids_repeated(const enroll_ctx *c)
{
    size_t n = c->t->rows_count;
    uint64_t repeated = 0;
    const ledger_enrolment **sorted = calloc(n + 1, sizeof *sorted);
    if (sorted == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &c->rows[i];
    qsort(sorted, n, sizeof *sorted, id_order);
    for (size_t i = 1; i < n; i++) {
        if (sorted[i]->p.id[0] == '\0' || strcmp(sorted[i]->p.id, sorted[i - 1]->p.id) != 0)
            continue;
        size_t first = (size_t)(sorted[i - 1] - c->rows), again = (size_t)(sorted[i] - c->rows);
        fprintf(stderr, "line %llu: column id: participant %s is also on line %llu\n",
                (unsigned long long)c->t->rows[again].line, sorted[i]->p.id,
                (unsigned long long)c->t->rows[first].line);
        repeated++;
    }
    free(sorted);
    return repeated;
}

/* --confirm-distinct ID=OTHER onto the row of ID. */
static int confirms_apply(enroll_ctx *c)
{
    char why[WHY_MAX];
    for (size_t k = 0; k < c->confirms_count; k++) {
        const char *arg = c->confirms[k], *eq = strchr(arg, '=');
        size_t id_len = eq ? (size_t)(eq - arg) : 0;
        if (eq == NULL || id_len == 0 || cli_participant_id_check(eq + 1, why, sizeof why) != 0)
            return cli_usage_error(ENROLL_CMD,
                                   "--confirm-distinct '%s': give ID=OTHER, two "
                                   "participant ids",
                                   arg);
        size_t i = 0;
        while (i < c->t->rows_count && (strlen(c->rows[i].p.id) != id_len ||
                                        strncmp(c->rows[i].p.id, arg, id_len) != 0))
            i++;
        if (i == c->t->rows_count)
            return cli_usage_error(ENROLL_CMD,
                                   "--confirm-distinct %s: no row of %s has id %.*s", arg,
                                   c->path, (int)id_len, arg);
        const char *col = c->rows[i].confirm_distinct_from;
        if (col != NULL && strcmp(col, eq + 1) != 0)
            return cli_usage_error(ENROLL_CMD,
                                   "--confirm-distinct %s: line %llu already says %.*s is "
                                   "not %s",
                                   arg, (unsigned long long)c->t->rows[i].line, (int)id_len,
                                   arg, col);
        c->rows[i].confirm_distinct_from = eq + 1;
    }
    return CLI_EXIT_OK;
}

/* Checks every row; reports each mistake. */
static int rows_check(enroll_ctx *c)
{
    uint64_t bad = 0;
    for (size_t i = 0; i < c->t->rows_count; i++)
        bad += row_check(c, i);
    bad += ids_repeated(c);
    if (bad > 0)
        return cli_fail(ENROLL_CMD, "%s: %llu mistake%s; nobody was enrolled", c->path,
                        (unsigned long long)bad, bad == 1 ? "" : "s");
    return confirms_apply(c);
}

/* The line of the row enrolling `id`, 0 if none. */
static uint64_t line_of_id(const enroll_ctx *c, const char *id)
{
    for (size_t i = 0; i < c->t->rows_count; i++) {
        if (strcmp(c->rows[i].p.id, id) == 0)
            return c->t->rows[i].line;
    }
    return 0;
}

static void refusal_print(const enroll_ctx *c, size_t i, const ledger_enrol_result *r)
{
    const char *id = c->rows[i].p.id;
    unsigned long long line = (unsigned long long)c->t->rows[i].line;
    char also[48] = "";
    switch (r->err) {
    case LEDGER_DUPLICATE_PERSON: {
        uint64_t other = line_of_id(c, r->duplicate_of);
        if (other != 0)
            snprintf(also, sizeof also, ", line %llu", (unsigned long long)other);
        printf("line %llu: participant %s looks like participant %s%s (same name, birth year "
               "and location); if they are different people, add --confirm-distinct %s=%s or "
               "a confirm_distinct_from column\n",
               line, id, r->duplicate_of, also, id, r->duplicate_of);
        break;
    }
    case LEDGER_PARTICIPANT_EXISTS:
        printf("line %llu: participant %s is already enrolled (cauris participant show)\n",
               line, id);
        break;
    case LEDGER_ACCOUNT_EXISTS:
        printf("line %llu: participant %s: an account participant:%s:... is already open; "
               "enrolment opens them\n",
               line, id, id);
        break;
    default:
        printf("line %llu: participant %s: refused %s: %s\n", line, id, ledger_err_name(r->err),
               ledger_strerror(r->err));
    }
}

static int enrol_run(ledger *l, const enroll_ctx *c, const char *programme, const char *partner,
                     const char *principal)
{
    size_t n = c->t->rows_count, refused = 0;
    ledger_enrol_result *results = calloc(n + 1, sizeof *results);
    if (results == NULL)
        return cli_fail(ENROLL_CMD, "out of memory");
    int err =
        ledger_participants_enrol(l, programme, partner, principal, c->rows, n, true, results);
    if (err == LEDGER_INVALID_FIELD) {
        free(results);
        return cli_fail(ENROLL_CMD,
                        "--partner and --principal must be 1 to %d and %d bytes "
                        "of text",
                        LEDGER_PARTNER_MAX, LEDGER_PRINCIPAL_MAX);
    }
    if (err != LEDGER_OK) {
        free(results);
        return cli_fail_ledger(ENROLL_CMD, "nobody was enrolled", err);
    }
    for (size_t i = 0; i < n; i++) {
        if (results[i].err != LEDGER_OK && results[i].err != LEDGER_LINKED_ENTRY_FAILED) {
            refusal_print(c, i, &results[i]);
            refused++;
        }
    }
    for (size_t i = 0; refused == 0 && i < n; i++) {
        if (c->rows[i].confirm_distinct_from != NULL)
            printf("line %llu: %s enrolled as a different person from %s (confirmed)\n",
                   (unsigned long long)c->t->rows[i].line, c->rows[i].p.id,
                   c->rows[i].confirm_distinct_from);
    }
    free(results);
    if (refused > 0)
        return cli_fail(ENROLL_CMD, "%s: %zu of %zu row%s refused; nobody was enrolled",
                        c->path, refused, n, n == 1 ? "" : "s");
    printf("enrolled %zu participant%s in %s\n", n, n == 1 ? "" : "s", programme);
    return CLI_EXIT_OK;
}

static int enroll_file(const char *dir, const char *path, const char *separator,
                       const char *const *opt, enroll_ctx *c)
{
    cli_csv t;
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1];
    int rc = cli_csv_read(ENROLL_CMD, path, separator, &t);
    if (rc != CLI_EXIT_OK)
        return rc;
    c->t = &t;
    c->path = path;
    rc = cli_csv_columns(ENROLL_CMD, path, &t, columns, COL_COUNT, c->col);
    if (rc == CLI_EXIT_OK && t.rows_count == 0)
        rc = cli_fail(ENROLL_CMD, "%s has a header but no participants", path);
    if (rc == CLI_EXIT_OK && t.rows_count > LEDGER_ENROL_MAX)
        rc = cli_fail(ENROLL_CMD, "%s has %zu rows; enrol at most %d at a time (split it)",
                      path, t.rows_count, LEDGER_ENROL_MAX);
    c->rows = calloc(t.rows_count + 1, sizeof *c->rows);
    if (rc == CLI_EXIT_OK && c->rows == NULL)
        rc = cli_fail(ENROLL_CMD, "out of memory");
    if (rc == CLI_EXIT_OK)
        rc = rows_check(c);
    if (rc == CLI_EXIT_OK)
        rc = cli_ledger_open_programme(ENROLL_CMD, dir, true, opt[3], opt[0], &l, prog);
    if (rc == CLI_EXIT_OK) {
        rc = enrol_run(l, c, prog, opt[1], opt[2]);
        ledger_close(l);
    }
    if (c->rows != NULL) {
        for (size_t i = 0; i < t.rows_count; i++)
            cli_wipe(&c->rows[i].p, sizeof c->rows[i].p); /* names and phones */
    }
    free(c->rows);
    cli_csv_free(&t);
    return rc;
}

int cmd_enroll(int argc, char **argv)
{
    const char *programme = NULL, *partner = NULL, *principal = NULL, *pass_file = NULL,
               *separator = NULL;
    enroll_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return cli_fail(ENROLL_CMD, "out of memory");
    int rc = cli_args_take_repeated(ENROLL_CMD, &argc, argv, "confirm-distinct", c->confirms,
                                    &c->confirms_count);
    const cli_opt opts[] = {
        {"programme", &programme, NULL}, {"partner", &partner, NULL},
        {"principal", &principal, NULL}, {"passphrase-file", &pass_file, NULL},
        {"separator", &separator, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    if (rc == 0)
        rc = cli_args_parse(ENROLL_CMD, argc, argv, opts, &a);
    if (rc == 0 && a.help)
        rc = cli_help(enroll_usage);
    else if (rc == 0 && a.pos_count != 2)
        rc = cli_usage_error(ENROLL_CMD, "needs a ledger directory and a CSV file (or -)");
    else if (rc == 0 && partner == NULL)
        rc = cli_usage_error(ENROLL_CMD, "--partner ID is required: who enrols them");
    else if (rc == 0 && principal == NULL)
        rc = cli_usage_error(ENROLL_CMD, "--principal WHO is required: who enrols them");
    else if (rc == 0) {
        const char *opt[4] = {programme, partner, principal, pass_file};
        rc = enroll_file(a.pos[0], a.pos[1], separator, opt, c);
    }
    free(c);
    return rc;
}
