/*
 * cmd_balance_sheet.c — the programme's books at one moment:
 * `cauris trial-balance` (every account's balance on its debit or credit
 * side; the two totals must be equal) and `cauris balance-sheet`
 * (accounts grouped by type with subtotals; assets must equal liabilities
 * + equity + income - expenses). Both read the same snapshot: the balance
 * of every account of the programme with ledger_balance(), as of a date,
 * a tree size, or the latest tree size (so that a writer committing
 * meanwhile cannot make the totals disagree).
 *
 * Balances are posted balances: pending amounts (grant commits awaiting
 * approval) move none. Never: compute a balance itself, or print an
 * amount other than with the currency's digits (text) or in minor units
 * (JSON, as strings).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define BOOKS_PAGE 256              /* accounts read per ledger_accounts_list() call */
#define BOOKS_ACCOUNTS_MAX 4000000u /* accounts of one programme we hold in memory */
#define BOOKS_TYPES 5               /* asset .. expense */

static const char trial_usage[] =
    "usage: cauris trial-balance DIR [--programme NAME] [--as-of DATE | --tree-size N]\n"
    "                            [--json]\n"
    "\n"
    "Lists every account with a balance on its debit side (assets, expenses) or\n"
    "its credit side (liabilities, equity, income; a balance below zero goes to\n"
    "the other side), then the two totals. Exits 0 when they are equal, 1 when\n"
    "they are not (then run cauris verify). Posted balances only: pending\n"
    "amounts awaiting approval move none.\n"
    "\n"
    "options:\n"
    "  --programme NAME    the programme (default: the ledger's only one)\n"
    "  --as-of YYYY-MM-DD  entries recorded on or before that UTC day\n"
    "  --tree-size N       entries with seq below N (as of a checkpoint)\n"
    "                      (default: the latest checkpoint's tree size)\n"
    "  --json              {programme, currency, digits, as_of, accounts: [{code,\n"
    "                      type, debit, credit}], debits, credits, balanced};\n"
    "                      amounts in minor units, as strings\n";

static const char sheet_usage[] =
    "usage: cauris balance-sheet DIR [--programme NAME] [--as-of DATE | --tree-size N]\n"
    "                            [--json]\n"
    "\n"
    "The programme's accounts grouped by type, each balance on its normal side,\n"
    "with a subtotal per type: assets, liabilities, equity, income, expenses.\n"
    "Checks that assets = liabilities + equity + (income - expenses) and exits 1\n"
    "when they differ (then run cauris verify). Accounts with a zero balance are\n"
    "counted but not listed. Posted balances only.\n"
    "\n"
    "options:\n"
    "  --programme NAME    the programme (default: the ledger's only one)\n"
    "  --as-of YYYY-MM-DD  entries recorded on or before that UTC day\n"
    "  --tree-size N       entries with seq below N (default: the latest)\n"
    "  --json              {programme, currency, digits, as_of, sections: [{type,\n"
    "                      accounts: [{code, balance}], total}], assets,\n"
    "                      liabilities, equity, income, expenses, net_income,\n"
    "                      balanced}; amounts in minor units, as strings\n";

typedef struct book_account {
    char code[LEDGER_CODE_MAX + 1];
    ledger_account_type type;
    int64_t balance; /* on the account's normal side */
} book_account;

typedef struct books {
    const char *cmd;
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    ledger_as_of as_of;
    book_account *accounts;
    size_t count, cap;
    /* The library's own totals (from each account's running totals) at the
     * same tree size, when no moment was given: a second opinion. */
    bool library_checked;
    ledger_trial_balance library;
} books;

static int as_of_read(books *b, const char *date, const char *tree_size)
{
    memset(&b->as_of, 0, sizeof b->as_of);
    if (date != NULL && tree_size != NULL)
        return cli_usage_error(b->cmd, "give --as-of or --tree-size, not both");
    if (date != NULL && ledger_date_parse(date, &b->as_of.date) != 0)
        return cli_usage_error(b->cmd, "--as-of '%s' is not a date YYYY-MM-DD", date);
    if (tree_size != NULL &&
        (cli_parse_u64(tree_size, &b->as_of.tree_size) != 0 || b->as_of.tree_size == 0))
        return cli_usage_error(b->cmd, "--tree-size '%s' is not a positive number", tree_size);
    return 0;
}

static int account_push(books *b, const ledger_account_info *info, int64_t balance)
{
    if (b->count == BOOKS_ACCOUNTS_MAX)
        return cli_fail(b->cmd, "programme %s has more than %u accounts", b->programme,
                        BOOKS_ACCOUNTS_MAX);
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : BOOKS_PAGE;
        book_account *grown = realloc(b->accounts, cap * sizeof *grown);
        if (grown == NULL)
            return cli_fail(b->cmd, "out of memory");
        b->accounts = grown;
        b->cap = cap;
    }
    book_account *a = &b->accounts[b->count++];
    snprintf(a->code, sizeof a->code, "%s", info->code);
    a->type = info->type;
    a->balance = balance;
    return CLI_EXIT_OK;
}

/* The library's trial balance, kept when no commit came in between (its
 * totals are those of now, and ours of the tree size read first). */
static int library_totals(books *b, ledger *l)
{
    char note[LEDGER_CHECKPOINT_MAX];
    size_t len;
    uint64_t size = 0;
    int err = ledger_trial_balance_get(l, b->programme, &b->library);
    if (err == LEDGER_OK)
        err = ledger_checkpoint_latest(l, note, sizeof note, &len, &size);
    if (err != LEDGER_OK)
        return cli_fail_ledger(b->cmd, b->programme, err);
    b->library_checked = size == b->as_of.tree_size;
    return CLI_EXIT_OK;
}

/* Every account's balance as of b->as_of, in code order. With no moment
 * given, the latest tree size: one consistent snapshot. */
static int books_read(books *b, ledger *l)
{
    char note[LEDGER_CHECKPOINT_MAX], after[LEDGER_CODE_MAX + 1] = "";
    size_t len, n;
    int err = LEDGER_OK, rc = CLI_EXIT_OK;
    bool latest = b->as_of.date == 0 && b->as_of.tree_size == 0;
    if (latest)
        err = ledger_checkpoint_latest(l, note, sizeof note, &len, &b->as_of.tree_size);
    if (err != LEDGER_OK)
        return cli_fail_ledger(b->cmd, "the latest checkpoint", err);
    ledger_account_info *page = calloc(BOOKS_PAGE, sizeof *page);
    if (page == NULL)
        return cli_fail(b->cmd, "out of memory");
    do {
        err = ledger_accounts_list(l, b->programme, "", after, page, BOOKS_PAGE, &n);
        for (size_t i = 0; err == LEDGER_OK && rc == CLI_EXIT_OK && i < n; i++) {
            int64_t balance;
            err = ledger_balance(l, b->programme, page[i].code, &b->as_of, &balance);
            if (err == LEDGER_OK)
                rc = account_push(b, &page[i], balance);
            else
                rc = cli_fail_ledger(b->cmd, page[i].code, err);
        }
        if (err == LEDGER_OK && n > 0)
            snprintf(after, sizeof after, "%s", page[n - 1].code);
    } while (err == LEDGER_OK && rc == CLI_EXIT_OK && n == BOOKS_PAGE);
    free(page);
    if (rc == CLI_EXIT_OK && err != LEDGER_OK)
        rc = cli_fail_ledger(b->cmd, b->programme, err);
    if (rc == CLI_EXIT_OK && latest)
        rc = library_totals(b, l);
    return rc;
}

static bool debit_normal(ledger_account_type t)
{
    return t == LEDGER_ASSET || t == LEDGER_EXPENSE;
}

static bool sum_add(int64_t *sum, int64_t v)
{
    if ((v > 0 && *sum > INT64_MAX - v) || (v < 0 && *sum < INT64_MIN - v))
        return false;
    *sum += v;
    return true;
}

static void as_of_print(const books *b)
{
    char date[CLI_DATE_TEXT_MAX];
    cli_date_format(date, b->as_of.date);
    if (b->as_of.date != 0)
        printf("as of: %s (entries recorded on or before that day)\n", date);
    else
        printf("as of: tree size %llu\n", (unsigned long long)b->as_of.tree_size);
}

static json_t *json_minor(int64_t v)
{
    char text[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(text, sizeof text, v, 0);
    return json_string(text);
}

static json_t *json_as_of(const books *b)
{
    char date[CLI_DATE_TEXT_MAX];
    cli_date_format(date, b->as_of.date);
    return json_pack(
        "{s:o, s:o}", "date", b->as_of.date ? json_string(date) : json_null(), "tree_size",
        b->as_of.tree_size ? json_integer((json_int_t)b->as_of.tree_size) : json_null());
}

static int json_print(const char *cmd, json_t *root)
{
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (text == NULL)
        return cli_fail(cmd, "out of memory writing JSON");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

/* ---- trial balance ---- */

/* The account's balance in the debit or the credit column. */
static void trial_sides(const book_account *a, int64_t *debit, int64_t *credit)
{
    /* -INT64_MIN does not exist; a balance is within +-INT64_MAX (the
     * library checks every sum). */
    int64_t v = a->balance == INT64_MIN ? INT64_MAX : a->balance;
    bool debit_side = debit_normal(a->type) ? v >= 0 : v < 0;
    *debit = debit_side ? (v < 0 ? -v : v) : 0;
    *credit = debit_side ? 0 : (v < 0 ? -v : v);
}

static int trial_totals(const books *b, int64_t *debits, int64_t *credits)
{
    *debits = *credits = 0;
    for (size_t i = 0; i < b->count; i++) {
        int64_t d, c;
        trial_sides(&b->accounts[i], &d, &c);
        if (!sum_add(debits, d) || !sum_add(credits, c))
            return cli_fail(b->cmd, "the totals are beyond the largest amount: run cauris "
                                    "verify");
    }
    return CLI_EXIT_OK;
}

static int trial_json(const books *b, int64_t debits, int64_t credits)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < b->count; i++) {
        int64_t d, c;
        trial_sides(&b->accounts[i], &d, &c);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:o, s:o}", "code", b->accounts[i].code,
                                        "type", ledger_account_type_name(b->accounts[i].type),
                                        "debit", json_minor(d), "credit", json_minor(c)));
    }
    return json_print(b->cmd, json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:b}", "programme",
                                        b->programme, "currency", b->currency, "digits",
                                        b->digits, "as_of", json_as_of(b), "accounts", arr,
                                        "debits", json_minor(debits), "credits",
                                        json_minor(credits), "balanced", debits == credits));
}

static void trial_text(const books *b, int64_t debits, int64_t credits)
{
    char dt[CLI_AMOUNT_TEXT_MAX], ct[CLI_AMOUNT_TEXT_MAX];
    size_t shown = 0;
    printf("programme: %s\n", b->programme);
    as_of_print(b);
    printf("accounts: %zu\n\n", b->count);
    printf("%-40s %20s %20s\n", "account", "debit", "credit");
    for (size_t i = 0; i < b->count; i++) {
        int64_t d, c;
        trial_sides(&b->accounts[i], &d, &c);
        if (d == 0 && c == 0)
            continue;
        cli_amount_format(dt, sizeof dt, d, b->digits);
        cli_amount_format(ct, sizeof ct, c, b->digits);
        if (c == 0)
            printf("%-40s %20s\n", b->accounts[i].code, dt);
        else
            printf("%-40s %20s %20s\n", b->accounts[i].code, "", ct);
        shown++;
    }
    if (shown < b->count)
        printf("(%zu account%s with a zero balance not shown)\n", b->count - shown,
               b->count - shown == 1 ? "" : "s");
    cli_amount_format(dt, sizeof dt, debits, b->digits);
    cli_amount_format(ct, sizeof ct, credits, b->digits);
    printf("\ndebits:  %20s %s\n", dt, b->currency);
    printf("credits: %20s %s\n", ct, b->currency);
    printf("trial balance: %s\n", debits == credits ? "balanced" : "NOT balanced");
}

/* Opens the ledger read-only and reads the books; the options shared by
 * both commands. */
static int books_open_read(books *b, const cli_args *a, const char *programme)
{
    ledger *l = NULL;
    int rc =
        cli_ledger_open_programme(b->cmd, a->pos[0], false, NULL, programme, &l, b->programme);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_programme_currency(b->cmd, l, b->programme, b->currency, &b->digits);
    if (rc == CLI_EXIT_OK)
        rc = books_read(b, l);
    ledger_close(l);
    return rc;
}

static int books_args(books *b, int argc, char **argv, const char *usage, cli_args *a,
                      const char **programme, bool *json)
{
    const char *as_of = NULL, *tree_size = NULL;
    const cli_opt opts[] = {
        {"programme", programme, NULL},
        {"as-of", &as_of, NULL},
        {"tree-size", &tree_size, NULL},
        {"json", NULL, json},
        {NULL, NULL, NULL},
    };
    int rc = cli_args_parse(b->cmd, argc, argv, opts, a);
    if (rc != 0)
        return rc;
    if (a->help)
        return cli_help(usage), -1;
    if (a->pos_count != 1)
        return cli_usage_error(b->cmd, "needs exactly one ledger directory");
    return as_of_read(b, as_of, tree_size);
}

int cmd_trial_balance(int argc, char **argv)
{
    books b;
    cli_args a;
    const char *programme = NULL;
    bool json = false;
    int64_t debits, credits;
    memset(&b, 0, sizeof b);
    b.cmd = "trial-balance";
    int rc = books_args(&b, argc, argv, trial_usage, &a, &programme, &json);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    rc = books_open_read(&b, &a, programme);
    if (rc == CLI_EXIT_OK)
        rc = trial_totals(&b, &debits, &credits);
    if (rc == CLI_EXIT_OK && json)
        rc = trial_json(&b, debits, credits);
    else if (rc == CLI_EXIT_OK)
        trial_text(&b, debits, credits);
    free(b.accounts);
    if (rc == CLI_EXIT_OK && debits != credits)
        rc = cli_fail(b.cmd, "debits and credits differ: run cauris verify %s", a.pos[0]);
    if (rc == CLI_EXIT_OK && b.library_checked &&
        (b.library.debits != debits || b.library.credits != credits))
        rc = cli_fail(b.cmd,
                      "the accounts' balances (debits %lld, credits %lld minor units) differ "
                      "from the programme's running totals (%lld, %lld): run cauris verify %s",
                      (long long)debits, (long long)credits, (long long)b.library.debits,
                      (long long)b.library.credits, a.pos[0]);
    return rc;
}

/* ---- balance sheet ---- */

typedef struct sheet_totals {
    int64_t by_type[BOOKS_TYPES + 1]; /* indexed by ledger_account_type */
    int64_t net_income;               /* income - expenses */
    int64_t right;                    /* liabilities + equity + net income */
} sheet_totals;

static const ledger_account_type sheet_order[BOOKS_TYPES] = {
    LEDGER_ASSET, LEDGER_LIABILITY, LEDGER_EQUITY, LEDGER_INCOME, LEDGER_EXPENSE};
static const char *const sheet_titles[BOOKS_TYPES + 1] = {"",       "assets", "liabilities",
                                                          "equity", "income", "expenses"};

static int sheet_totals_make(const books *b, sheet_totals *t)
{
    memset(t, 0, sizeof *t);
    bool ok = true;
    for (size_t i = 0; i < b->count; i++) {
        const book_account *a = &b->accounts[i];
        if (a->type >= LEDGER_ASSET && a->type <= LEDGER_EXPENSE)
            ok = ok && sum_add(&t->by_type[a->type], a->balance);
    }
    ok = ok && t->by_type[LEDGER_EXPENSE] != INT64_MIN;
    ok = ok && sum_add(&t->net_income, t->by_type[LEDGER_INCOME]) &&
         sum_add(&t->net_income, -t->by_type[LEDGER_EXPENSE]);
    ok = ok && sum_add(&t->right, t->by_type[LEDGER_LIABILITY]) &&
         sum_add(&t->right, t->by_type[LEDGER_EQUITY]) && sum_add(&t->right, t->net_income);
    if (!ok)
        return cli_fail(b->cmd, "a total is beyond the largest amount: run cauris verify");
    return CLI_EXIT_OK;
}

static void sheet_line(const books *b, const char *label, int64_t v)
{
    char text[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(text, sizeof text, v, b->digits);
    printf("  %-44s %20s\n", label, text);
}

static void sheet_text(const books *b, const sheet_totals *t)
{
    char label[80];
    printf("balance sheet of programme %s (%s)\n", b->programme, b->currency);
    as_of_print(b);
    for (size_t k = 0; k < BOOKS_TYPES; k++) {
        ledger_account_type type = sheet_order[k];
        size_t zero = 0;
        printf("\n%s\n", sheet_titles[type]);
        for (size_t i = 0; i < b->count; i++) {
            if (b->accounts[i].type != type)
                continue;
            if (b->accounts[i].balance == 0)
                zero++;
            else
                sheet_line(b, b->accounts[i].code, b->accounts[i].balance);
        }
        if (zero > 0)
            printf("  (%zu account%s with a zero balance)\n", zero, zero == 1 ? "" : "s");
        snprintf(label, sizeof label, "total %s", sheet_titles[type]);
        sheet_line(b, label, t->by_type[type]);
    }
    printf("\n");
    sheet_line(b, "net income (income - expenses)", t->net_income);
    sheet_line(b, "assets", t->by_type[LEDGER_ASSET]);
    sheet_line(b, "liabilities + equity + net income", t->right);
    printf("balance sheet: %s\n",
           t->by_type[LEDGER_ASSET] == t->right ? "balanced" : "NOT balanced");
}

static int sheet_json(const books *b, const sheet_totals *t)
{
    json_t *sections = json_array();
    for (size_t k = 0; k < BOOKS_TYPES; k++) {
        ledger_account_type type = sheet_order[k];
        json_t *accounts = json_array();
        for (size_t i = 0; i < b->count; i++) {
            if (b->accounts[i].type == type && b->accounts[i].balance != 0)
                json_array_append_new(accounts,
                                      json_pack("{s:s, s:o}", "code", b->accounts[i].code,
                                                "balance", json_minor(b->accounts[i].balance)));
        }
        json_array_append_new(
            sections, json_pack("{s:s, s:o, s:o}", "type", ledger_account_type_name(type),
                                "accounts", accounts, "total", json_minor(t->by_type[type])));
    }
    return json_print(
        b->cmd,
        json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
                  "programme", b->programme, "currency", b->currency, "digits", b->digits,
                  "as_of", json_as_of(b), "sections", sections, "assets",
                  json_minor(t->by_type[LEDGER_ASSET]), "liabilities",
                  json_minor(t->by_type[LEDGER_LIABILITY]), "equity",
                  json_minor(t->by_type[LEDGER_EQUITY]), "income",
                  json_minor(t->by_type[LEDGER_INCOME]), "expenses",
                  json_minor(t->by_type[LEDGER_EXPENSE]), "net_income",
                  json_minor(t->net_income), "liabilities_equity_net_income",
                  json_minor(t->right), "balanced", t->by_type[LEDGER_ASSET] == t->right));
}

int cmd_balance_sheet(int argc, char **argv)
{
    books b;
    cli_args a;
    sheet_totals t;
    const char *programme = NULL;
    bool json = false;
    memset(&b, 0, sizeof b);
    b.cmd = "balance-sheet";
    int rc = books_args(&b, argc, argv, sheet_usage, &a, &programme, &json);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    rc = books_open_read(&b, &a, programme);
    if (rc == CLI_EXIT_OK)
        rc = sheet_totals_make(&b, &t);
    if (rc == CLI_EXIT_OK && json)
        rc = sheet_json(&b, &t);
    else if (rc == CLI_EXIT_OK)
        sheet_text(&b, &t);
    free(b.accounts);
    if (rc == CLI_EXIT_OK && t.by_type[LEDGER_ASSET] != t.right)
        rc = cli_fail(b.cmd,
                      "assets differ from liabilities + equity + net income: run "
                      "cauris verify %s",
                      a.pos[0]);
    return rc;
}
