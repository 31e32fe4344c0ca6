/*
 * test_cli_groups.c — end-to-end tests of `cauris group`: savings groups
 * run from the command line on a real ledger, as a CSO would.
 *
 * 25 participants enrolled from CSV (`cauris enroll`) form a group; a cycle
 * runs 26 meetings from generated CSV and JSON-lines files (share
 * purchases, social fund, loans and repayments, absent members), one of
 * them with a cash count that differs (a warning, exit 0); the share-out
 * pays what the largest-remainder rule computed here says. `group show`
 * and `group members` are checked against a model kept in the test.
 * Every refusal (a non-member, the share limit, a loan above the fund, a
 * share-out with loans outstanding, a share_out entry by hand touching the
 * social fund, a malformed meeting file) leaves `group show` and every
 * balance as they were. `cauris post` takes the group fields in JSON lines
 * and CSV, including a share purchase paid from the wallet. Each test ends
 * with `cauris verify`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/run.h"

#define PRICE 1000     /* a share, GNF */
#define CHARGE_BP 1000 /* 10 % of each repaid principal */
#define N_MEMBERS 25
#define N_MEETINGS 26
#define SOCIAL 100 /* each member present, each meeting */

/* ---- fixtures ---- */

/* A report's row: "label:" padded as the command pads it, then the value
 * and the line's end. */
static void assert_row(const char *out, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void assert_row(const char *out, const char *label, const char *fmt, ...)
{
    char value[256], line[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%-21s%s\n", label, value);
    tr_assert_contains(out, line);
}

/* A row of `group show`, at the start of a line. */
static void assert_show_line(const char *out, const char *label, const char *value)
{
    char line[512];
    snprintf(line, sizeof line, "\n%-21s%s\n", label, value);
    tr_assert_contains(out, line);
}

static void assert_show_gnf(const char *out, const char *label, long long amount)
{
    char value[64];
    snprintf(value, sizeof value, "%lld GNF", amount);
    assert_show_line(out, label, value);
}

static const char *who(int i)
{
    static char ids[N_MEMBERS + 1][8];
    snprintf(ids[i], sizeof ids[i], i == N_MEMBERS ? "X%02d" : "M%02d", i + 1);
    return ids[i];
}

/* A ledger "pilot" in GNF, partner:mfi1:cash open, and M01..M25 and X26
 * (who joins no group) enrolled from a CSV file, phase 3. */
static void init_enrolled(tr_fx *f)
{
    char csv[8192], path[400];
    size_t n =
        (size_t)snprintf(csv, sizeof csv,
                         "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,"
                         "phone\n");
    for (int i = 0; i <= N_MEMBERS; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n,
                              "%s,%s,%d,,Kindia,Coyah,returned_migrant,2026-A,3,cso1,Person "
                              "%d,\n",
                              who(i), i % 2 ? "m" : "f", 1970 + i, i);
    free(tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", "GNF", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
    tr_fx_file(f, "people.csv", csv, path, sizeof path);
    char *out = tr_expect(0, "enroll", f->ledger, path, "--partner", "cso1", "--principal",
                          "awa", NULL);
    tr_assert_contains(out, "enrolled 26 participants in pilot");
    free(out);
}

/* Group g1 of the first `n` participants, from a members file, with cycle
 * 1 open: price 1000, 1 to 5 shares, 1000 bp. */
static void group_of(tr_fx *f, int n)
{
    char csv[1024], path[400];
    size_t used = (size_t)snprintf(csv, sizeof csv, "participant\n");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(csv + used, sizeof csv - used, "%s\n", who(i));
    char *out = tr_expect(0, "group", "create", f->ledger, "g1", "--name", "Groupement Espoir",
                          "--partner", "cso1", "--principal", "awa", NULL);
    tr_assert_contains(out, "group g1 (Groupement Espoir) created in programme pilot, led by "
                            "cso1");
    free(out);
    tr_fx_file(f, "members.csv", csv, path, sizeof path);
    out = tr_expect(0, "group", "add", f->ledger, "g1", "--file", path, "--principal", "awa",
                    NULL);
    tr_assert_contains(out, "line 2: M01: added, member 1\n");
    char expect[128];
    snprintf(expect, sizeof expect,
             "added %d, already members 0, not added 0; group g1 has %d "
             "members",
             n, n);
    tr_assert_contains(out, expect);
    free(out);
    out = tr_expect(0, "group", "cycle", "open", f->ledger, "g1", "--share-price", "1000",
                    "--service-charge-bp", "1000", "--start", "2026-01-05", "--end",
                    "2026-06-29", "--principal", "awa", NULL);
    tr_assert_contains(out, "cycle 1 of group g1 open\n");
    assert_row(out, "  share price:", "1000 GNF; 1 to 5 shares a member at each meeting");
    assert_row(out, "  service charge:", "1000 bp of each repaid loan's principal");
    free(out);
}

static void assert_verifies(tr_fx *f)
{
    char *out = tr_expect(0, "verify", f->ledger, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
}

/* What a rejection must leave alone: the group's figures and the balances
 * of its accounts and of `member`'s wallet. The caller frees it. */
static char *snapshot(tr_fx *f, int member)
{
    char member_code[64], loan_code[64], wallet_code[64];
    snprintf(member_code, sizeof member_code, "group:g1:member:%s", who(member));
    snprintf(loan_code, sizeof loan_code, "group:g1:loan:%s", who(member));
    snprintf(wallet_code, sizeof wallet_code, "participant:%s:wallet", who(member));
    char *show = tr_expect(0, "group", "show", f->ledger, "g1", NULL);
    char *bal = tr_expect(0, "balance", f->ledger, "group:g1:cash", "group:g1:social",
                          "group:g1:income", member_code, loan_code, wallet_code,
                          "partner:mfi1:cash", NULL);
    char *members = tr_expect(0, "group", "members", f->ledger, "g1", NULL);
    size_t n = strlen(show) + strlen(bal) + strlen(members) + 1;
    char *all = malloc(n);
    assert_non_null(all);
    snprintf(all, n, "%s%s%s", show, bal, members);
    free(show);
    free(bal);
    free(members);
    return all;
}

static void assert_unchanged(tr_fx *f, int member, const char *before)
{
    char *after = snapshot(f, member);
    if (strcmp(before, after) != 0)
        fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
    assert_string_equal(before, after);
    free(after);
}

/* Posts JSON lines with `cauris post` as the CSO. */
static char *post_jsonl(tr_fx *f, int status, const char *text)
{
    char path[400];
    tr_fx_file(f, "post.jsonl", text, path, sizeof path);
    return tr_expect(status, "post", f->ledger, path, "--partner", "cso1", "--principal", "awa",
                     NULL);
}

/* ---- help and usage ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    char *out = tr_expect(0, "group", "--help", NULL);
    tr_assert_contains(out, "usage: cauris group create DIR GROUP");
    tr_assert_contains(out, "cauris group meeting DIR GROUP FILE.csv|FILE.jsonl");
    free(out);
    out = tr_expect(0, "group", "cycle", "open", "--help", NULL);
    tr_assert_contains(out, "usage: cauris group");
    free(out);
    out = tr_expect(0, "--help", NULL);
    tr_assert_contains(out, "  group ");
    free(out);
    out = tr_expect(2, "group", NULL);
    tr_assert_contains(out, "needs create, add, cycle open");
    free(out);
    out = tr_expect(2, "group", "dissolve", "/x", "g1", NULL);
    tr_assert_contains(out, "unknown action 'dissolve'");
    free(out);
    out = tr_expect(2, "group", "cycle", "pause", "/x", "g1", NULL);
    tr_assert_contains(out, "cycle needs open or close");
    free(out);
    out = tr_expect(2, "group", "create", "/x", "g1", "--principal", "a", NULL);
    tr_assert_contains(out, "--partner CSO is required");
    free(out);
    out = tr_expect(2, "group", "add", "/x", "g1", "P1", NULL);
    tr_assert_contains(out, "--principal WHO is required");
    free(out);
    out = tr_expect(2, "group", "add", "/x", "g1", "--principal", "a", NULL);
    tr_assert_contains(out, "give the participants to add, or --file FILE");
    free(out);
    out = tr_expect(2, "group", "show", "/x", "g1", "--date", "2026-01-01", NULL);
    tr_assert_contains(out, "--date does not go with group show");
    free(out);
    out = tr_expect(2, "group", "show", "/x", "a group", NULL);
    tr_assert_contains(out, "'a group' is not a group id");
    free(out);
    out = tr_expect(2, "group", "show", "/x", "g1234567890123456", NULL);
    tr_assert_contains(out, "is not a group id: 1 to 16");
    free(out);
    out = tr_expect(2, "group", "cycle", "close", "/x", "g1", "--principal", "a", "--date",
                    "2026-02-30", NULL);
    tr_assert_contains(out, "--date '2026-02-30' is not a date");
    free(out);
}

/* ---- the full cycle ---- */

typedef struct model {
    long long shares[N_MEMBERS], savings[N_MEMBERS], loan[N_MEMBERS];
    long long cash, social, income;
    long long attendance;
} model;

static void meeting_day(int m, char out[11])
{
    /* Weekly from Monday 2026-01-05. */
    static const char *const d[N_MEETINGS] = {
        "2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09",
        "2026-02-16", "2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23",
        "2026-03-30", "2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27", "2026-05-04",
        "2026-05-11", "2026-05-18", "2026-05-25", "2026-06-01", "2026-06-08", "2026-06-15",
        "2026-06-22", "2026-06-29"};
    snprintf(out, 11, "%s", d[m]);
}

static int absent(int i, int m)
{
    return (i + m) % 7 == 0;
}

/* The loan operation of member i at meeting m, if any: ten members borrow
 * 5000 at meeting 5 and repay it whole from meeting 15; five borrow 3000 at
 * meeting 10 and repay it in halves from meeting 20. */
static const char *loan_op(const model *x, int i, int m, long long *principal)
{
    if (i < 10 && m == 5) {
        *principal = 5000;
        return "group_loan";
    }
    if (i < 10 && m >= 15 && x->loan[i] > 0) {
        *principal = x->loan[i];
        return "loan_repayment";
    }
    if (i >= 10 && i < 15 && m == 10) {
        *principal = 3000;
        return "group_loan";
    }
    if (i >= 10 && i < 15 && m >= 20 && x->loan[i] > 0) {
        *principal = x->loan[i] > 1500 ? 1500 : x->loan[i];
        return "loan_repayment";
    }
    return NULL;
}

static void model_apply(model *x, int i, const char *op, long long principal)
{
    if (strcmp(op, "group_loan") == 0) {
        x->loan[i] += principal;
        x->cash -= principal;
    } else {
        long long charge = principal * CHARGE_BP / 10000;
        x->loan[i] -= principal;
        x->cash += principal + charge;
        x->income += charge;
    }
}

/* One line of a meeting file, CSV or JSON lines. */
static size_t line_add(char *buf, size_t used, size_t cap, int jsonl, const char *op, int i,
                       long long shares, long long amount)
{
    int n;
    if (jsonl && shares > 0)
        n = snprintf(
            buf + used, cap - used,
            "{\"op\":\"%s\",\"participant\":\"%s\",\"shares\":%lld,\"memo\":\"week\"}\n", op,
            who(i), shares);
    else if (jsonl)
        n = snprintf(buf + used, cap - used,
                     "{\"op\":\"%s\",\"participant\":\"%s\",\"amount\":\"%lld\"}\n", op, who(i),
                     amount);
    else if (shares > 0)
        n = snprintf(buf + used, cap - used, "%s,%s,%lld,,no,,,,\n", op, who(i), shares);
    else
        n = snprintf(buf + used, cap - used, "%s,%s,,%lld,,,,,\n", op, who(i), amount);
    assert_true(n > 0 && (size_t)n < cap - used);
    return used + (size_t)n;
}

/* Meeting m: its file (every fifth one in JSON lines), the members present,
 * the model moved on. Runs `cauris group meeting` and checks its report. */
static void meeting_run(tr_fx *f, model *x, int m, long long cash_delta)
{
    static char file[16384];
    char present[N_MEMBERS * 5], path[400], day[11], counted[32], expect[160];
    int jsonl = m % 5 == 4, lines = 0, np = 0;
    size_t used = jsonl ? 0
                        : (size_t)snprintf(file, sizeof file,
                                           "op,participant,shares,amount,from_wallet,"
                                           "cash_partner,client_id,external_ref,memo\n");
    size_t pused = 0;
    meeting_day(m, day);
    present[0] = '\0';
    for (int i = 0; i < N_MEMBERS; i++) {
        if (absent(i, m))
            continue;
        pused += (size_t)snprintf(present + pused, sizeof present - pused, "%s%s",
                                  np++ ? "," : "", who(i));
        long long shares = 1 + (i + m) % 5, principal = 0;
        used = line_add(file, used, sizeof file, jsonl, "share_purchase", i, shares, 0);
        used = line_add(file, used, sizeof file, jsonl, "social_fund", i, 0, SOCIAL);
        lines += 2;
        x->shares[i] += shares;
        x->savings[i] += shares * PRICE;
        x->cash += shares * PRICE + SOCIAL;
        x->social += SOCIAL;
        const char *op = loan_op(x, i, m, &principal);
        if (op != NULL) {
            used = line_add(file, used, sizeof file, jsonl, op, i, 0, principal);
            model_apply(x, i, op, principal);
            lines++;
        }
    }
    x->attendance += np;
    snprintf(counted, sizeof counted, "%lld", x->cash + cash_delta);
    tr_fx_file(f, jsonl ? "meeting.jsonl" : "meeting.csv", file, path, sizeof path);
    char *out =
        tr_expect(0, "group", "meeting", f->ledger, "g1", path, "--date", day, "--cash-counted",
                  counted, "--present", present, "--principal", "awa", NULL);
    snprintf(expect, sizeof expect, "meeting of group g1 on %s recorded (seq ", day);
    tr_assert_contains(out, expect);
    snprintf(expect, sizeof expect, "): %d of %d members present\n", np, N_MEMBERS);
    tr_assert_contains(out, expect);
    snprintf(expect, sizeof expect, "posted %d, existing 0, refused 0;", lines);
    tr_assert_contains(out, expect);
    assert_row(out, "  cash expected:", "%lld GNF (group:g1:cash after the meeting)", x->cash);
    assert_row(out, "  cash counted:", "%s GNF", counted);
    assert_row(out, "  difference:", "%lld GNF", cash_delta);
    if (cash_delta != 0) {
        snprintf(expect, sizeof expect,
                 "warning: cash count differs by %lld GNF: recorded in the meeting\n",
                 cash_delta);
        tr_assert_contains(out, expect);
    } else {
        tr_assert_not_contains(out, "warning");
    }
    free(out);
}

/* The largest-remainder rule of the README, done here apart from the
 * library: floor(income x shares / total) each, then one unit each to the
 * largest remainders, ties to the member who joined first. */
static void income_expected(const model *x, long long out[N_MEMBERS])
{
    long long total = 0, given = 0, rest[N_MEMBERS];
    int taken[N_MEMBERS] = {0};
    for (int i = 0; i < N_MEMBERS; i++)
        total += x->shares[i];
    for (int i = 0; i < N_MEMBERS; i++) {
        out[i] = x->income * x->shares[i] / total;
        rest[i] = x->income * x->shares[i] % total;
        given += out[i];
    }
    for (long long left = x->income - given; left > 0; left--) {
        int best = -1;
        for (int i = 0; i < N_MEMBERS; i++) {
            if (!taken[i] && x->shares[i] > 0 && (best < 0 || rest[i] > rest[best]))
                best = i;
        }
        assert_true(best >= 0);
        out[best]++;
        taken[best] = 1;
    }
}

static void assert_show_model(tr_fx *f, const model *x, int meetings)
{
    long long savings = 0, shares = 0, loans = 0;
    char value[96];
    for (int i = 0; i < N_MEMBERS; i++) {
        savings += x->savings[i];
        shares += x->shares[i];
        loans += x->loan[i];
    }
    char *out = tr_expect(0, "group", "show", f->ledger, "g1", NULL);
    assert_true(
        strncmp(out, "group:               g1 (Groupement Espoir), led by cso1\n", 57) == 0);
    assert_show_line(out, "members:", "25");
    assert_show_line(out, "cycle:", "1, open");
    assert_show_gnf(out, "cash:", x->cash);
    assert_show_gnf(out, "social fund:", x->social);
    assert_show_gnf(out, "income:", x->income);
    assert_show_gnf(out, "loan fund:", x->cash - x->social);
    assert_show_gnf(out, "loans outstanding:", loans);
    assert_show_gnf(out, "savings:", savings);
    assert_show_gnf(out, "savings per member:", savings / N_MEMBERS);
    snprintf(value, sizeof value, "%lld", shares);
    assert_show_line(out, "shares:", value);
    snprintf(value, sizeof value, "%d", meetings);
    assert_show_line(out, "meetings:", value);
    long long possible = (long long)meetings * N_MEMBERS;
    long long permille = (x->attendance * 1000 + possible / 2) / possible;
    snprintf(value, sizeof value, "%lld.%lld %% (%lld of %lld member-meetings)", permille / 10,
             permille % 10, x->attendance, possible);
    assert_show_line(out, "attendance:", value);
    assert_show_line(out, "last share-out:", "none");
    free(out);
}

/* `group members`: each one's shares, savings, loan and income share. */
static void assert_members_model(tr_fx *f, const model *x)
{
    long long income[N_MEMBERS];
    char row[320];
    income_expected(x, income);
    char *out = tr_expect(0, "group", "members", f->ledger, "g1", NULL);
    for (int i = 0; i < N_MEMBERS; i++) {
        char s[24], l[24], inc[24];
        snprintf(s, sizeof s, "%lld", x->savings[i]);
        snprintf(l, sizeof l, "%lld", x->loan[i]);
        snprintf(inc, sizeof inc, "%lld", income[i]);
        snprintf(row, sizeof row, "%4d  %-16s %8lld %16s %16s %16s\n", i + 1, who(i),
                 x->shares[i], s, l, inc);
        tr_assert_contains(out, row);
    }
    tr_assert_contains(out, "25 members, ");
    free(out);
}

static void rejections(tr_fx *f, model *x)
{
    char *before = snapshot(f, 0), *out;
    char fund[32], line[512];
    /* Not a member: X26 is enrolled but in no group. */
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"x-1\",\"op\":\"share_purchase\",\"group\":\"g1\","
                     "\"participant\":\"X26\",\"shares\":2,\"value_date\":\"2026-07-01\"}\n");
    tr_assert_contains(out, "line 1: refused not_a_member");
    free(out);
    assert_unchanged(f, 0, before);
    char path[400];
    tr_fx_file(f, "m-x.csv", "op,participant,shares\nshare_purchase,M01,1\n", path,
               sizeof path);
    out = tr_expect(1, "group", "meeting", f->ledger, "g1", path, "--date", "2026-07-01",
                    "--cash-counted", "0", "--present", "M01,X26", "--principal", "awa", NULL);
    tr_assert_contains(out, "--present names X26, who is not a member of group g1");
    tr_assert_contains(out, "nothing was recorded");
    free(out);
    assert_unchanged(f, 0, before);

    /* Six shares where the cycle allows five a meeting. */
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"x-2\",\"op\":\"share_purchase\",\"group\":\"g1\","
                     "\"participant\":\"M01\",\"shares\":6,\"value_date\":\"2026-07-01\"}\n");
    tr_assert_contains(out, "line 1: refused share_limit");
    free(out);
    assert_unchanged(f, 0, before);

    /* A loan one franc above the loan fund (cash less social fund). */
    snprintf(fund, sizeof fund, "%lld", x->cash - x->social + 1);
    snprintf(line, sizeof line,
             "{\"client_id\":\"x-3\",\"op\":\"group_loan\",\"group\":\"g1\","
             "\"participant\":\"M01\",\"amount\":\"%s\",\"value_date\":\"2026-07-01\"}\n",
             fund);
    out = post_jsonl(f, 1, line);
    tr_assert_contains(out, "line 1: refused loan_above_fund");
    free(out);
    assert_unchanged(f, 0, before);

    /* A share-out by hand, out of the social fund. */
    out =
        post_jsonl(f, 1,
                   "{\"client_id\":\"x-4\",\"op\":\"share_out\",\"group\":\"g1\","
                   "\"value_date\":\"2026-07-01\",\"legs\":[{\"account\":\"group:g1:social\","
                   "\"debit\":\"500\"},{\"account\":\"group:g1:cash\",\"credit\":\"500\"}]}\n");
    tr_assert_contains(out, "line 1: refused social_fund_kept");
    free(out);
    assert_unchanged(f, 0, before);
    free(before);

    /* The share-out while M01 owes 2000: refused, M01 named. */
    free(post_jsonl(f, 0,
                    "{\"client_id\":\"late-loan\",\"op\":\"group_loan\",\"group\":\"g1\","
                    "\"participant\":\"M01\",\"amount\":\"2000\","
                    "\"value_date\":\"2026-07-01\"}\n"));
    model_apply(x, 0, "group_loan", 2000);
    before = snapshot(f, 0);
    out = tr_expect(1, "group", "cycle", "close", f->ledger, "g1", "--date", "2026-07-06",
                    "--principal", "awa", NULL);
    tr_assert_contains(out, "cycle 1 of group g1 not closed: 1 member still owes the group "
                            "2000 GNF");
    tr_assert_contains(out, "  M01 (member 1) owes 2000 GNF\n");
    free(out);
    assert_unchanged(f, 0, before);
    free(before);
    free(post_jsonl(f, 0,
                    "{\"client_id\":\"late-repay\",\"op\":\"loan_repayment\",\"group\":\"g1\","
                    "\"participant\":\"M01\",\"amount\":\"2000\","
                    "\"value_date\":\"2026-07-02\"}\n"));
    model_apply(x, 0, "loan_repayment", 2000);
}

static void share_out(tr_fx *f, const model *x)
{
    long long income[N_MEMBERS], paid = 0, income_total = 0;
    char expect[320];
    income_expected(x, income);
    char *out = tr_expect(0, "group", "cycle", "close", f->ledger, "g1", "--date", "2026-07-06",
                          "--principal", "awa", NULL);
    tr_assert_contains(out, "cycle 1 of group g1 closed on 2026-07-06 with its share-out\n");
    for (int i = 0; i < N_MEMBERS; i++) {
        char s[24], inc[24], p[24];
        snprintf(s, sizeof s, "%lld", x->savings[i]);
        snprintf(inc, sizeof inc, "%lld", income[i]);
        snprintf(p, sizeof p, "%lld", x->savings[i] + income[i]);
        snprintf(expect, sizeof expect, "%4d  %-16s %8lld %16s %16s %16s\n", i + 1, who(i),
                 x->shares[i], s, inc, p);
        tr_assert_contains(out, expect);
        paid += x->savings[i] + income[i];
        income_total += income[i];
    }
    assert_int_equal(income_total, x->income); /* nothing left undivided */
    assert_row(out, "  income shared:", "%lld GNF (in proportion to shares)", x->income);
    assert_row(out, "  paid to members:", "%lld GNF (savings and income)", paid);
    assert_row(out, "  members paid:", "25");
    assert_row(out, "  social fund kept:", "%lld GNF (stays in the group's cash)", x->social);
    free(out);

    /* Afterwards: every member paid out, the social fund still in the box. */
    out = tr_expect(0, "balance", f->ledger, "group:g1:member:M01", "group:g1:member:M25",
                    "group:g1:income", NULL);
    tr_assert_balance_in(out, "group:g1:member:M01", "0 GNF");
    tr_assert_balance_in(out, "group:g1:member:M25", "0 GNF");
    tr_assert_balance_in(out, "group:g1:income", "0 GNF");
    free(out);
    out = tr_expect(0, "group", "show", f->ledger, "g1", NULL);
    assert_show_line(out, "cycle:", "1, closed");
    assert_show_gnf(out, "cash:", x->social);
    assert_show_gnf(out, "savings:", 0);
    snprintf(expect, sizeof expect, "%lld GNF to 25 members (%lld GNF per member)", paid,
             paid / N_MEMBERS);
    assert_show_line(out, "last share-out:", expect);
    free(out);
    out = tr_expect(0, "group", "show", f->ledger, "g1", "--json", NULL);
    snprintf(expect, sizeof expect, "\"last_share_out\": \"%lld\"", paid);
    tr_assert_contains(out, expect);
    snprintf(expect, sizeof expect, "\"social_fund\": \"%lld\"", x->social);
    tr_assert_contains(out, expect);
    tr_assert_contains(out, "\"open\": false");
    free(out);
    /* Closed once: a second close is refused. */
    out = tr_expect(1, "group", "cycle", "close", f->ledger, "g1", "--date", "2026-07-07",
                    "--principal", "awa", NULL);
    tr_assert_contains(out, "group g1 has no open cycle");
    free(out);
}

static void test_full_cycle_25_members_26_meetings(void **state)
{
    tr_fx *f = *state;
    static model x;
    memset(&x, 0, sizeof x);
    init_enrolled(f);
    group_of(f, N_MEMBERS);
    for (int m = 0; m < N_MEETINGS; m++)
        meeting_run(f, &x, m, m == 13 ? -200 : 0); /* the box holds 200 less */
    for (int i = 0; i < N_MEMBERS; i++)
        assert_int_equal(x.loan[i], 0); /* every loan repaid in the cycle */
    assert_show_model(f, &x, N_MEETINGS);
    assert_members_model(f, &x);
    char *out = tr_expect(0, "group", "show", f->ledger, "g1", "--json", NULL);
    char expect[96];
    snprintf(expect, sizeof expect, "\"cash\": \"%lld\"", x.cash);
    tr_assert_contains(out, expect);
    snprintf(expect, sizeof expect, "\"attendance\": %lld", x.attendance);
    tr_assert_contains(out, expect);
    tr_assert_contains(out, "\"meetings\": 26");
    free(out);

    /* The last meeting's file again: every line exists, nothing recorded. */
    char *before = snapshot(f, 0), path[400];
    snprintf(path, sizeof path, "%s/meeting.csv", f->root);
    out = tr_expect(0, "group", "meeting", f->ledger, "g1", path, "--date", "2026-06-29",
                    "--cash-counted", "0", "--present", "M01", "--principal", "awa", NULL);
    tr_assert_contains(out, "line 2: exists seq ");
    tr_assert_contains(out, "was recorded before (every line is posted); nothing was recorded "
                            "again");
    free(out);
    assert_unchanged(f, 0, before);
    free(before);

    rejections(f, &x);
    assert_show_model(f, &x, N_MEETINGS);
    assert_members_model(f, &x);
    share_out(f, &x);
    assert_verifies(f);
}

/* ---- meeting files checked whole ---- */

static void test_meeting_file_checked_whole(void **state)
{
    tr_fx *f = *state;
    char path[400];
    init_enrolled(f);
    group_of(f, 3);
    char *before = snapshot(f, 0);
    tr_fx_file(f, "bad.csv",
               "op,participant,shares,amount,from_wallet\n"
               "share_purchase,M01,2,,\n"
               "wage,M02,,5000,\n"
               "social_fund,M02,2,100,\n"
               "share_purchase,M03,,,\n"
               "share_purchase,M 3,1,,\n"
               "share_purchase,M03,1,,maybe\n"
               "group_loan,M01,,12.5,\n",
               path, sizeof path);
    char *out = tr_expect(1, "group", "meeting", f->ledger, "g1", path, "--date", "2026-01-05",
                          "--cash-counted", "2000", "--present", "M01,M02,M03", "--principal",
                          "awa", NULL);
    tr_assert_contains(out, "line 3: column op: 'wage' is not share_purchase");
    tr_assert_contains(out, "line 4: shares is only for a share_purchase");
    tr_assert_contains(out, "line 5: missing shares");
    tr_assert_contains(out, "line 6: column participant: 'M 3' is not an id");
    tr_assert_contains(out, "line 7: column from_wallet: 'maybe' is not yes or no");
    tr_assert_contains(out, "line 8: column amount: '12.5' has more than 0 decimals");
    tr_assert_contains(out, "6 malformed lines; nothing was recorded");
    tr_assert_not_contains(out, "line 2:");
    free(out);
    assert_unchanged(f, 0, before);

    tr_fx_file(
        f, "bad.jsonl",
        "{\"op\":\"share_purchase\",\"participant\":\"M01\",\"shares\":2}\n"
        "# a comment\n"
        "{\"op\":\"share_purchase\",\"participant\":\"M02\",\"shares\":2,\"group\":\"g2\"}\n"
        "{\"op\":\"social_fund\",\"participant\":\"M02\",\"amount\":\"100\","
        "\"value_date\":\"2026-01-06\"}\n"
        "{\"op\":\"transfer\",\"legs\":[]}\n"
        "{\"open\":[\"partner:mfi2:cash\"]}\n"
        "{\"op\":\"share_purchase\",\"participant\":\"M02\",\"shares\":\"two\"}\n"
        "not json\n",
        path, sizeof path);
    out = tr_expect(1, "group", "meeting", f->ledger, "g1", path, "--date", "2026-01-05",
                    "--cash-counted", "2000", "--present", "M01", "--principal", "awa", NULL);
    tr_assert_contains(out, "line 3: group g2 is not the meeting's group g1");
    tr_assert_contains(out,
                       "line 4: value_date 2026-01-06 is not the meeting's date 2026-01-05");
    tr_assert_contains(out, "line 5: field op: transfer is not one: a meeting holds "
                            "share_purchase, social_fund, group_loan and loan_repayment");
    tr_assert_contains(out, "line 6: a meeting's file holds its operations");
    tr_assert_contains(out, "line 7: field shares must be a whole number of shares");
    tr_assert_contains(out, "line 8: invalid JSON");
    tr_assert_contains(out, "6 malformed lines; nothing was recorded");
    free(out);
    assert_unchanged(f, 0, before);

    /* Options checked before anything is read or written. */
    out =
        tr_expect(2, "group", "meeting", f->ledger, "g1", path, "--date", "2026-01-05",
                  "--cash-counted", "2000", "--present", "M01,M01", "--principal", "awa", NULL);
    tr_assert_contains(out, "--present names M01 twice");
    free(out);
    out = tr_expect(2, "group", "meeting", f->ledger, "g1", "ops.txt", "--date", "2026-01-05",
                    "--cash-counted", "2000", "--present", "M01", "--principal", "awa", NULL);
    tr_assert_contains(out, "give --format csv or jsonl");
    free(out);
    out = tr_expect(2, "group", "meeting", f->ledger, "g1", path, "--date", "2026-01-05",
                    "--cash-counted", "-5", "--present", "M01", "--principal", "awa", NULL);
    tr_assert_contains(out, "--cash-counted: '-5' has a sign");
    free(out);
    out = tr_expect(2, "group", "cycle", "open", f->ledger, "g1", "--share-price", "500",
                    "--shares-min", "4", "--shares-max", "3", "--start", "2026-01-05", "--end",
                    "2026-06-29", "--principal", "awa", NULL);
    tr_assert_contains(out, "--shares-min 4 is above --shares-max 3");
    free(out);
    /* A cycle is open already. */
    out = tr_expect(1, "group", "cycle", "open", f->ledger, "g1", "--share-price", "500",
                    "--start", "2026-01-05", "--end", "2026-06-29", "--principal", "awa", NULL);
    tr_assert_contains(out, "group g1 already has cycle 1 open: close it first");
    free(out);
    assert_unchanged(f, 0, before);
    free(before);

    /* A refused line: the meeting and its other lines are recorded. */
    tr_fx_file(f, "m.csv",
               "op;participant;shares;amount\n"
               "share_purchase;M01;2;\n"
               "social_fund;M01;;150,00\n"
               "share_purchase;X26;1;\n",
               path, sizeof path);
    out = tr_expect(1, "group", "meeting", f->ledger, "g1", path, "--date", "2026-01-05",
                    "--cash-counted", "2150", "--present", "M01, M02", "--principal", "awa",
                    NULL);
    tr_assert_contains(out, "line 2: ok seq ");
    tr_assert_contains(out, "line 4: refused not_a_member");
    tr_assert_contains(out, "2 of 3 members present");
    assert_row(out, "  difference:", "0 GNF");
    tr_assert_contains(out, "1 line refused; the meeting and its other lines are recorded");
    free(out);
    /* Run again: some lines are posted, so the meeting is not recorded twice. */
    out = tr_expect(1, "group", "meeting", f->ledger, "g1", path, "--date", "2026-01-05",
                    "--cash-counted", "2150", "--present", "M01, M02", "--principal", "awa",
                    NULL);
    tr_assert_contains(out, "lines 2, 3 of the file are posted already");
    tr_assert_contains(out, "a meeting is recorded once");
    free(out);
    out = tr_expect(0, "group", "show", f->ledger, "g1", NULL);
    assert_show_line(out, "meetings:", "1");
    assert_show_gnf(out, "cash:", 2150);
    assert_show_gnf(out, "social fund:", 150);
    free(out);
    assert_verifies(f);
}

/* ---- cauris post with the group fields ---- */

static void test_post_group_ops(void **state)
{
    tr_fx *f = *state;
    char path[400];
    init_enrolled(f);
    group_of(f, 3);
    /* M01's wallet: a wage of 10000 (no capital kept by default). */
    char *out = post_jsonl(f, 0,
                           "{\"client_id\":\"fund-1\",\"op\":\"funding\",\"value_date\":"
                           "\"2026-01-02\",\"amount\":\"100000\",\"cash_partner\":\"mfi1\"}\n"
                           "{\"client_id\":\"wage-1\",\"op\":\"wage\",\"participant\":\"M01\","
                           "\"amount\":\"10000\",\"value_date\":\"2026-01-02\"}\n");
    free(out);

    /* CSV: a share purchase from the wallet, through the MFI's cash. */
    tr_fx_file(f, "ops.csv",
               "op,client_id,group,participant,shares,from_wallet,cash_partner,amount,"
               "value_date\n"
               "share_purchase,c-1,g1,M01,3,yes,mfi1,,2026-01-05\n"
               "share_purchase,c-2,g1,M02,2,,,2000,2026-01-05\n"
               "social_fund,c-3,g1,M02,,,,300,2026-01-05\n",
               path, sizeof path);
    out = tr_expect(0, "post", f->ledger, "--csv", path, "--partner", "cso1", "--principal",
                    "awa", NULL);
    tr_assert_contains(out, "posted 3, existing 0, refused 0");
    free(out);
    out = tr_expect(0, "balance", f->ledger, "participant:M01:wallet", "partner:mfi1:cash",
                    "group:g1:cash", "group:g1:member:M01", "group:g1:member:M02",
                    "group:g1:social", NULL);
    tr_assert_balance_in(out, "participant:M01:wallet", "7000 GNF");
    tr_assert_balance_in(out, "partner:mfi1:cash", "97000 GNF");
    tr_assert_balance_in(out, "group:g1:cash", "5300 GNF");
    tr_assert_balance_in(out, "group:g1:member:M01", "3000 GNF");
    tr_assert_balance_in(out, "group:g1:member:M02", "2000 GNF");
    tr_assert_balance_in(out, "group:g1:social", "300 GNF");
    free(out);

    /* JSON lines: a loan and its repayment with the 10 % charge. */
    out = post_jsonl(
        f, 0,
        "{\"client_id\":\"j-1\",\"op\":\"group_loan\",\"group\":\"g1\","
        "\"participant\":\"M03\",\"amount\":\"4000\",\"value_date\":\"2026-01-12\"}\n"
        "{\"client_id\":\"j-2\",\"op\":\"loan_repayment\",\"group\":\"g1\","
        "\"participant\":\"M03\",\"amount\":4000,\"value_date\":\"2026-01-19\"}\n"
        "{\"client_id\":\"j-3\",\"op\":\"share_purchase\",\"group\":\"g1\","
        "\"participant\":\"M03\",\"shares\":\"1\",\"from_wallet\":false,"
        "\"value_date\":\"2026-01-19\"}\n");
    tr_assert_contains(out, "posted 3, existing 0, refused 0");
    free(out);
    out = tr_expect(0, "balance", f->ledger, "group:g1:cash", "group:g1:income",
                    "group:g1:loan:M03", NULL);
    tr_assert_balance_in(out, "group:g1:cash", "6700 GNF");
    tr_assert_balance_in(out, "group:g1:income", "400 GNF");
    tr_assert_balance_in(out, "group:g1:loan:M03", "0 GNF");
    free(out);

    /* Malformed rows and lines are named; nothing is posted. */
    char *before = snapshot(f, 0);
    tr_fx_file(f, "bad.csv",
               "op,client_id,group,participant,shares,from_wallet,cash_partner,amount,"
               "value_date\n"
               "social_fund,b-1,g1,M02,2,,,300,2026-01-26\n"
               "share_purchase,b-2,,M02,2,,,,2026-01-26\n"
               "share_purchase,b-3,g1,M02,two,,,,2026-01-26\n"
               "share_purchase,b-4,g1,M02,1,maybe,,,2026-01-26\n"
               "social_fund,b-5,g1,M02,,,mfi1,300,2026-01-26\n"
               "wage,b-6,g1,M02,,,,300,2026-01-26\n"
               "share_purchase,b-7,g1,M02,1,,,,2026-01-26\n",
               path, sizeof path);
    out = tr_expect(1, "post", f->ledger, "--csv", path, "--partner", "cso1", "--principal",
                    "awa", NULL);
    tr_assert_contains(out, "line 2: shares is only for a share_purchase");
    tr_assert_contains(out, "line 3: missing group");
    tr_assert_contains(out, "line 4: column shares: 'two' is not a number of shares");
    tr_assert_contains(out, "line 5: column from_wallet: 'maybe' is not yes or no");
    tr_assert_contains(out, "line 6: cash_partner goes with from_wallet");
    tr_assert_contains(out, "line 7: group is for the savings-group operations");
    tr_assert_contains(out, "6 malformed lines; nothing was posted");
    free(out);
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"b-8\",\"op\":\"transfer\",\"group\":\"g1\","
                     "\"value_date\":\"2026-01-26\",\"legs\":[{\"account\":\"group:g1:cash\","
                     "\"debit\":\"1\"},{\"account\":\"group:g1:social\",\"credit\":\"1\"}]}\n"
                     "{\"client_id\":\"b-9\",\"op\":\"share_purchase\",\"group\":\"g1\","
                     "\"participant\":\"M02\",\"shares\":1,\"from_wallet\":\"yes\","
                     "\"value_date\":\"2026-01-26\"}\n");
    tr_assert_contains(out, "line 1: group is for funding");
    tr_assert_contains(out, "line 2: field from_wallet must be true or false");
    free(out);
    /* A share purchase whose amount is not shares x price. */
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"b-10\",\"op\":\"share_purchase\",\"group\":\"g1\","
                     "\"participant\":\"M02\",\"shares\":1,\"amount\":\"999\","
                     "\"value_date\":\"2026-01-26\"}\n");
    tr_assert_contains(out, "line 1: refused invalid_amount");
    free(out);
    assert_unchanged(f, 0, before);
    free(before);
    assert_verifies(f);
}

int main(void)
{
    if (tr_init("test_cli_groups") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test_setup_teardown(test_full_cycle_25_members_26_meetings, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_meeting_file_checked_whole, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_group_ops, tr_fx_setup, tr_fx_teardown),
    };
    return cmocka_run_group_tests_name("cli_groups", tests, NULL, NULL);
}
