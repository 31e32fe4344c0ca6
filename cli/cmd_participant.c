/*
 * cmd_participant.c — `cauris participant show|list|update|hold|
 * release-hold|erase`: reading and changing enrolled participants.
 *
 * Every change is a participant leaf of the signed journal made in the name
 * of --principal (and --partner, by default the programme itself). Names
 * and phone numbers are shown only with --personal; erasing them is final.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char participant_usage[] =
    "usage: cauris participant show DIR ID [--personal] [--json]\n"
    "       cauris participant list DIR [--after ID] [--limit N] [--json]\n"
    "       cauris participant update DIR ID --principal WHO [changes]\n"
    "       cauris participant hold DIR ID --reason CODE --principal WHO\n"
    "       cauris participant release-hold DIR ID --principal WHO\n"
    "       cauris participant erase DIR ID --principal WHO --yes\n"
    "\n"
    "show          a participant's record, capital hold and account balances; with\n"
    "              --personal also the name and phone number (decrypted)\n"
    "list          participants in id order (after ID), one per line\n"
    "update        changes a participant; reaching the programme's unlock phase\n"
    "              unlocks the capital account. Changes:\n"
    "                --phase N           1..3, forward only\n"
    "                --cohort C\n"
    "                --admin1 A, --admin2 B   location (either or both)\n"
    "                --category C        former_security_forces, community_member,\n"
    "                                    returned_migrant, displaced_person, refugee\n"
    "                --wg-ss XXXXXX      Washington Group answers, or \"\" to clear\n"
    "                --cso P             the CSO partner following them\n"
    "                --name N, --phone P personal data (either or both)\n"
    "hold          puts a hold on the participant's capital: nothing may be released\n"
    "              until it is lifted; CODE is a short reason (e.g. dispute)\n"
    "release-hold  lifts the hold\n"
    "erase         destroys the participant's name and phone number for good (their\n"
    "              key is destroyed); the journal keeps only the pseudonymous id, so\n"
    "              cauris verify still passes. It cannot be undone: give --yes.\n"
    "\n"
    "options:\n"
    "  --programme NAME        the programme (default: the ledger's only one)\n"
    "  --principal WHO         who makes the change (required for changes)\n"
    "  --partner ID            recorded as the partner of the change (default\n"
    "                          " CLI_PROGRAMME_PARTNER ")\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n";

#define PARTICIPANT_CMD "participant"
#define LIST_PAGE 256 /* participants read per ledger_participants_list() call */

typedef struct part_opts {
    const char *programme, *principal, *partner, *pass_file, *after, *limit, *reason;
    const char *phase, *cohort, *admin1, *admin2, *category, *wg_ss, *cso, *name, *phone;
    bool personal, json, yes;
} part_opts;

static int fail_participant(const char *id, const char *programme, int err)
{
    if (err == LEDGER_UNKNOWN_PARTICIPANT)
        return cli_fail(PARTICIPANT_CMD,
                        "no participant %s in programme %s (see cauris participant list)", id,
                        programme);
    if (err == LEDGER_PARTICIPANT_ERASED)
        return cli_fail(PARTICIPANT_CMD,
                        "participant %s's personal data was erased; a name and phone cannot "
                        "be given again",
                        id);
    return cli_fail_ledger(PARTICIPANT_CMD, id, err);
}

/* ---- show and list ---- */

static void balances_print(ledger *l, const char *programme, const char *id)
{
    static const char *const kinds[] = {"wallet", "capital", "grant"};
    char currency[LEDGER_CURRENCY_LEN + 1], amount[CLI_AMOUNT_TEXT_MAX],
        code[LEDGER_CODE_MAX + 1], flags[64];
    int digits;
    if (cli_programme_currency(PARTICIPANT_CMD, l, programme, currency, &digits) != CLI_EXIT_OK)
        return;
    printf("accounts:\n");
    for (size_t i = 0; i < 3; i++) {
        ledger_account_info info;
        snprintf(code, sizeof code, "participant:%s:%s", id, kinds[i]);
        if (ledger_account_get(l, programme, code, &info) != LEDGER_OK)
            continue;
        cli_amount_format(amount, sizeof amount, info.balance, digits);
        cli_flags_format(flags, sizeof flags, info.flags);
        printf("  %-28s %14s %s  %s\n", code, amount, currency, flags);
    }
}

static void record_print(const ledger_participant *p, bool personal)
{
    printf("participant:  %s\n", p->id);
    printf("sex:          %s\n", ledger_sex_name(p->sex));
    if (p->birth_year != 0)
        printf("birth year:   %u\n", p->birth_year);
    else
        printf("birth year:   not known\n");
    printf("disability:   %s (Washington Group answers: %s)\n",
           ledger_disability_name(ledger_wg_ss_disability(p->wg_ss)),
           p->wg_ss[0] ? p->wg_ss : "not asked");
    printf("location:     %s / %s\n", p->admin1, p->admin2);
    printf("category:     %s\n", ledger_category_name(p->category));
    printf("cohort:       %s\n", p->cohort);
    printf("phase:        %u\n", p->phase);
    printf("cso:          %s\n", p->cso);
    printf("capital hold: %s\n", p->hold[0] ? p->hold : "none");
    printf("enrolled:     seq %llu\n", (unsigned long long)p->enrolled_seq);
    if (p->erased)
        printf("personal data: erased\n");
    else if (!personal)
        printf("personal data: not shown (--personal shows the name and phone)\n");
    else
        printf("name:         %s\nphone:        %s\n", p->name, p->phone[0] ? p->phone : "-");
}

static json_t *record_json(const ledger_participant *p, bool personal)
{
    char seq[24];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)p->enrolled_seq);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "sex", json_string(ledger_sex_name(p->sex)));
    json_object_set_new(o, "birth_year",
                        p->birth_year ? json_integer(p->birth_year) : json_null());
    json_object_set_new(o, "wg_ss", json_string(p->wg_ss));
    json_object_set_new(o, "disability",
                        json_string(ledger_disability_name(ledger_wg_ss_disability(p->wg_ss))));
    json_object_set_new(o, "admin1", json_string(p->admin1));
    json_object_set_new(o, "admin2", json_string(p->admin2));
    json_object_set_new(o, "category", json_string(ledger_category_name(p->category)));
    json_object_set_new(o, "cohort", json_string(p->cohort));
    json_object_set_new(o, "phase", json_integer(p->phase));
    json_object_set_new(o, "cso", json_string(p->cso));
    json_object_set_new(o, "hold", p->hold[0] ? json_string(p->hold) : json_null());
    json_object_set_new(o, "enrolled_seq", json_string(seq));
    json_object_set_new(o, "erased", json_boolean(p->erased));
    if (personal && !p->erased) {
        json_object_set_new(o, "name", json_string(p->name));
        json_object_set_new(o, "phone", json_string(p->phone));
    }
    return o;
}

static int json_print(json_t *v)
{
    char *text = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    if (text == NULL)
        return cli_fail(PARTICIPANT_CMD, "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

static int participant_show(ledger *l, const char *prog, const char *id, const part_opts *o)
{
    ledger_participant p;
    int err = ledger_participant_get(l, prog, id, o->personal, &p);
    if (err != LEDGER_OK)
        return fail_participant(id, prog, err);
    int rc = CLI_EXIT_OK;
    if (o->json) {
        rc = json_print(record_json(&p, o->personal));
    } else {
        record_print(&p, o->personal);
        balances_print(l, prog, id);
    }
    cli_wipe(&p, sizeof p);
    return rc;
}

static int participant_list(ledger *l, const char *prog, const part_opts *o)
{
    char after[LEDGER_PARTICIPANT_ID_MAX + 1] = "";
    uint64_t limit = UINT64_MAX, shown = 0;
    if (o->limit != NULL && (cli_parse_u64(o->limit, &limit) != 0 || limit == 0))
        return cli_usage_error(PARTICIPANT_CMD, "--limit '%s' is not a positive number",
                               o->limit);
    if (o->after != NULL)
        snprintf(after, sizeof after, "%s", o->after);
    ledger_participant *page = calloc(LIST_PAGE, sizeof *page);
    json_t *arr = o->json ? json_array() : NULL;
    if (page == NULL)
        return cli_fail(PARTICIPANT_CMD, "out of memory");
    if (!o->json)
        printf("%-12s %-7s %-5s %-22s %-12s %-5s %-12s %s\n", "id", "sex", "born", "category",
               "cohort", "phase", "cso", "hold");
    int err = LEDGER_OK;
    for (;;) {
        size_t n = 0;
        err = ledger_participants_list(l, prog, after, page, LIST_PAGE, &n);
        for (size_t i = 0; err == LEDGER_OK && i < n && shown < limit; i++, shown++) {
            const ledger_participant *p = &page[i];
            char born[8];
            snprintf(born, sizeof born, "%u", p->birth_year);
            if (o->json)
                json_array_append_new(arr, record_json(p, false));
            else
                printf("%-12s %-7s %-5s %-22s %-12s %-5u %-12s %s\n", p->id,
                       ledger_sex_name(p->sex), p->birth_year ? born : "-",
                       ledger_category_name(p->category), p->cohort, p->phase, p->cso,
                       p->hold[0] ? p->hold : "-");
        }
        if (err != LEDGER_OK || n < LIST_PAGE || shown >= limit)
            break;
        snprintf(after, sizeof after, "%s", page[n - 1].id);
    }
    free(page);
    if (err != LEDGER_OK) {
        json_decref(arr);
        return cli_fail_ledger(PARTICIPANT_CMD, prog, err);
    }
    if (o->json)
        return json_print(arr);
    printf("%llu participant%s\n", (unsigned long long)shown, shown == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* ---- changes ---- */

/* The fields the options change, onto *p (read first); the change bits to
 * *changes. Returns 0 or CLI_EXIT_USAGE after printing. */
static int changes_from_options(const part_opts *o, ledger_participant *p, unsigned *changes)
{
    char why[200];
    const char *bad = NULL;
    uint8_t phase = p->phase;
    *changes = 0;
    if (o->phase != NULL && cli_phase_parse(o->phase, &phase, why, sizeof why) != 0)
        bad = "phase";
    else if (o->phase != NULL && phase < p->phase)
        return cli_usage_error(PARTICIPANT_CMD,
                               "--phase %u: phases only move forward (%s is in phase %u)",
                               phase, p->id, p->phase);
    if (o->phase != NULL) {
        p->phase = phase;
        *changes |= LEDGER_CHANGE_PHASE;
    }
    if (bad == NULL && o->cohort != NULL) {
        if (cli_text_check(o->cohort, LEDGER_COHORT_MAX, true, why, sizeof why) != 0)
            bad = "cohort";
        snprintf(p->cohort, sizeof p->cohort, "%s", o->cohort);
        *changes |= LEDGER_CHANGE_COHORT;
    }
    if (bad == NULL && (o->admin1 != NULL || o->admin2 != NULL)) {
        if (o->admin1 != NULL &&
            cli_text_check(o->admin1, LEDGER_REGION_MAX, true, why, sizeof why) != 0)
            bad = "admin1";
        else if (o->admin2 != NULL &&
                 cli_text_check(o->admin2, LEDGER_REGION_MAX, true, why, sizeof why) != 0)
            bad = "admin2";
        if (o->admin1 != NULL)
            snprintf(p->admin1, sizeof p->admin1, "%s", o->admin1);
        if (o->admin2 != NULL)
            snprintf(p->admin2, sizeof p->admin2, "%s", o->admin2);
        *changes |= LEDGER_CHANGE_LOCATION;
    }
    if (bad == NULL && o->category != NULL) {
        if (cli_category_parse(o->category, &p->category, why, sizeof why) != 0)
            bad = "category";
        *changes |= LEDGER_CHANGE_CATEGORY;
    }
    if (bad == NULL && o->wg_ss != NULL) {
        if (cli_wg_ss_check(o->wg_ss, why, sizeof why) != 0)
            bad = "wg-ss";
        snprintf(p->wg_ss, sizeof p->wg_ss, "%s", o->wg_ss);
        *changes |= LEDGER_CHANGE_WG_SS;
    }
    if (bad == NULL && o->cso != NULL) {
        if (cli_text_check(o->cso, LEDGER_PARTNER_MAX, true, why, sizeof why) != 0)
            bad = "cso";
        snprintf(p->cso, sizeof p->cso, "%s", o->cso);
        *changes |= LEDGER_CHANGE_CSO;
    }
    if (bad == NULL && (o->name != NULL || o->phone != NULL)) {
        if (o->name != NULL &&
            cli_text_check(o->name, LEDGER_PERSON_NAME_MAX, true, why, sizeof why) != 0)
            bad = "name";
        else if (o->phone != NULL &&
                 cli_text_check(o->phone, LEDGER_PHONE_MAX, false, why, sizeof why) != 0)
            bad = "phone";
        if (o->name != NULL)
            snprintf(p->name, sizeof p->name, "%s", o->name);
        if (o->phone != NULL)
            snprintf(p->phone, sizeof p->phone, "%s", o->phone);
        *changes |= LEDGER_CHANGE_CONTACT;
    }
    if (bad != NULL)
        return cli_usage_error(PARTICIPANT_CMD, "--%s: %s", bad, why);
    if (*changes == 0)
        return cli_usage_error(PARTICIPANT_CMD,
                               "nothing to change: give --phase, --cohort, --admin1, --admin2, "
                               "--category, --wg-ss, --cso, --name or --phone");
    return 0;
}

static int change_apply(ledger *l, const char *prog, const char *id, const char *action,
                        const part_opts *o)
{
    ledger_participant p;
    unsigned changes = 0;
    bool contact = o->name != NULL || o->phone != NULL;
    const char *partner = o->partner ? o->partner : CLI_PROGRAMME_PARTNER;
    int err = ledger_participant_get(l, prog, id, contact, &p);
    if (err != LEDGER_OK)
        return fail_participant(id, prog, err);
    if (contact && p.erased)
        return fail_participant(id, prog, LEDGER_PARTICIPANT_ERASED);
    int rc = 0;
    if (strcmp(action, "update") == 0) {
        rc = changes_from_options(o, &p, &changes);
    } else {
        changes = LEDGER_CHANGE_HOLD;
        snprintf(p.hold, sizeof p.hold, "%s", strcmp(action, "hold") == 0 ? o->reason : "");
    }
    if (rc == 0) {
        err = ledger_participant_update(l, prog, partner, o->principal, &p, changes);
        if (err == LEDGER_INVALID_FIELD)
            rc = cli_fail(PARTICIPANT_CMD,
                          "%s: refused: a value is invalid, or --principal "
                          "or --partner is empty or too long",
                          id);
        else if (err != LEDGER_OK)
            rc = fail_participant(id, prog, err);
    }
    cli_wipe(&p, sizeof p);
    if (rc != 0)
        return rc;
    if (strcmp(action, "hold") == 0)
        printf("participant %s: capital on hold (%s); nothing may be released until "
               "cauris participant release-hold\n",
               id, o->reason);
    else if (strcmp(action, "release-hold") == 0)
        printf("participant %s: hold lifted\n", id);
    else
        printf("participant %s updated\n", id);
    part_opts shown = *o;
    shown.personal = false;
    shown.json = false;
    return participant_show(l, prog, id, &shown);
}

static int participant_erase(ledger *l, const char *prog, const char *id, const part_opts *o)
{
    const char *partner = o->partner ? o->partner : CLI_PROGRAMME_PARTNER;
    ledger_participant p;
    int err = ledger_participant_get(l, prog, id, false, &p);
    if (err == LEDGER_OK)
        err = ledger_participant_erase(l, prog, partner, o->principal, id);
    if (err != LEDGER_OK)
        return fail_participant(id, prog, err);
    printf("participant %s: name and phone erased for good%s; the journal keeps the id and "
           "the entries\n",
           id, p.erased ? " (they already were)" : "");
    return CLI_EXIT_OK;
}

/* ---- dispatch ---- */

static int action_check(const char *action, const cli_args *a, const part_opts *o)
{
    bool list = strcmp(action, "list") == 0, show = strcmp(action, "show") == 0;
    bool change = !list && !show;
    if (!list && !show && strcmp(action, "update") != 0 && strcmp(action, "hold") != 0 &&
        strcmp(action, "release-hold") != 0 && strcmp(action, "erase") != 0)
        return cli_usage_error(PARTICIPANT_CMD,
                               "unknown action '%s' (show, list, update, hold, release-hold, "
                               "erase)",
                               action);
    if (a->pos_count != (list ? 2u : 3u))
        return cli_usage_error(PARTICIPANT_CMD, "needs: %s DIR%s", action, list ? "" : " ID");
    if (change && o->principal == NULL)
        return cli_usage_error(PARTICIPANT_CMD, "--principal WHO is required: who makes the "
                                                "change");
    if (strcmp(action, "hold") == 0 && (o->reason == NULL || o->reason[0] == '\0'))
        return cli_usage_error(PARTICIPANT_CMD, "--reason CODE is required (e.g. dispute)");
    if (o->reason != NULL && strlen(o->reason) > LEDGER_HOLD_REASON_MAX)
        return cli_usage_error(PARTICIPANT_CMD, "--reason is longer than %d bytes",
                               LEDGER_HOLD_REASON_MAX);
    if (strcmp(action, "erase") == 0 && !o->yes)
        return cli_usage_error(PARTICIPANT_CMD,
                               "erasing destroys %s's name and phone number for good and "
                               "cannot be undone; give --yes to do it",
                               a->pos[2]);
    return 0;
}

int cmd_participant(int argc, char **argv)
{
    part_opts o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},
        {"principal", &o.principal, NULL},
        {"partner", &o.partner, NULL},
        {"passphrase-file", &o.pass_file, NULL},
        {"after", &o.after, NULL},
        {"limit", &o.limit, NULL},
        {"reason", &o.reason, NULL},
        {"phase", &o.phase, NULL},
        {"cohort", &o.cohort, NULL},
        {"admin1", &o.admin1, NULL},
        {"admin2", &o.admin2, NULL},
        {"category", &o.category, NULL},
        {"wg-ss", &o.wg_ss, NULL},
        {"cso", &o.cso, NULL},
        {"name", &o.name, NULL},
        {"phone", &o.phone, NULL},
        {"personal", NULL, &o.personal},
        {"json", NULL, &o.json},
        {"yes", NULL, &o.yes},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(PARTICIPANT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(participant_usage);
    if (a.pos_count == 0)
        return cli_usage_error(PARTICIPANT_CMD, "needs show, list, update, hold, release-hold "
                                                "or erase");
    const char *action = a.pos[0];
    rc = action_check(action, &a, &o);
    if (rc != 0)
        return rc;
    bool writes = strcmp(action, "show") != 0 && strcmp(action, "list") != 0;
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1];
    rc = cli_ledger_open_programme(PARTICIPANT_CMD, a.pos[1], writes, o.pass_file, o.programme,
                                   &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(action, "show") == 0)
        rc = participant_show(l, prog, a.pos[2], &o);
    else if (strcmp(action, "list") == 0)
        rc = participant_list(l, prog, &o);
    else if (strcmp(action, "erase") == 0)
        rc = participant_erase(l, prog, a.pos[2], &o);
    else
        rc = change_apply(l, prog, a.pos[2], action, &o);
    ledger_close(l);
    return rc;
}
