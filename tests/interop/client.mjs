// client.mjs — interoperability test of `cauris serve` with a third-party
// Connect client: @connectrpc/connect-node over HTTP/1.1, with code that
// protoc-gen-es generated from proto/cauris/v1/ledger.proto (setup.sh).
//
// Runs the same scenario over both of the client's formats, binary
// (application/proto) and JSON (application/json), one after the other on
// the same fresh ledger, keeping its own model of what the balances must be;
// then a savings group (P1 its member) meets twice, once in each format.
//
// Environment:
//   CAURIS_URL       http://127.0.0.1:PORT (required)
//   CAURIS_TOKEN     a token of partner "mfi1" in programme "interop" (capital
//                    rate 10 %) with the roles post and read (required); the
//                    client enrols participant P1 with it
//   CAURIS_ORIGIN    the ledger's checkpoint origin line (optional: then every
//                    checkpoint must start with it)
//   CAURIS_VKEY      the ledger's verifier key "name+hexid+base64" (optional:
//                    then checkpoint signatures are verified with it)
//   CAURIS_EXPECTED  a file to write the expected final balances to, as JSON
//                    {code: "amount"} (optional; run.sh checks the CLI's)
//
// Prints one line per check ("ok ..." or "FAIL ...") and, when all passed,
// "interop: all checks passed (N checks)"; exits 0 only then.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  AgeBand,
  Category,
  Kind,
  Ledger,
  Operation,
  Result,
  Sex,
} from "./gen/cauris/v1/ledger_pb.js";
import {
  assertBytesEqual,
  parseCheckpoint,
  rootFromInclusionProof,
  sha256,
  verifyConsistency,
  verifyNoteSignature,
} from "./verify.mjs";

const URL_ = process.env.CAURIS_URL;
const TOKEN = process.env.CAURIS_TOKEN;
const ORIGIN = process.env.CAURIS_ORIGIN || "";
const VKEY = process.env.CAURIS_VKEY || "";
const EXPECTED_OUT = process.env.CAURIS_EXPECTED || "";
if (!URL_ || !TOKEN) {
  console.error("client.mjs: set CAURIS_URL and CAURIS_TOKEN");
  process.exit(2);
}

// The whole run is bounded: a server that never answers fails the test.
const watchdog = setTimeout(() => {
  console.log("FAIL interop: no end after 120 s (a call hangs?)");
  process.exit(1);
}, 120_000);
watchdog.unref();

const CALL_TIMEOUT_MS = 15_000;
const PROGRAMME = "interop";
const PARTNER = "mfi1";
const CASH = "partner:mfi1:cash";
const FUND = "programme:fund";
const WAGES = "programme:wages";
const GRANTS = "programme:grants";
const WALLET = "participant:P1:wallet";
const CAPITAL = "participant:P1:capital";
const GRANT = "participant:P1:grant";
// Participant P1, enrolled by the client before the scenarios.
const P1 = {
  id: "P1",
  sex: Sex.FEMALE,
  birthYear: 1994,
  wgSs: "111211",
  admin1: "Kindia",
  admin2: "Coyah",
  category: Category.RETURNED_MIGRANT,
  cohort: "2026-A",
  phase: 1,
  name: "Aïssatou Diallo",
  phone: "+224 620 00 00 00",
};
// The programme's chart after run.sh opened the cash account and P1 was
// enrolled (wallet, capital locked in phase 1, grant), in code order.
const ACCOUNTS = {
  [CAPITAL]: { type: "liability", noOverdraft: true, locked: true },
  [GRANT]: { type: "liability", noOverdraft: true, locked: false },
  [WALLET]: { type: "liability", noOverdraft: true, locked: false },
  [CASH]: { type: "asset", noOverdraft: true, locked: false },
  [FUND]: { type: "equity", noOverdraft: false, locked: false },
  [GRANTS]: { type: "expense", noOverdraft: false, locked: false },
  [WAGES]: { type: "expense", noOverdraft: false, locked: false },
};
const CODES = Object.keys(ACCOUNTS);
// The savings group P1 joins after the two scenarios, and its accounts.
const GROUP = "G1";
const GCASH = "group:G1:cash";
const GSOCIAL = "group:G1:social";
const GINCOME = "group:G1:income";
const GMEMBER = "group:G1:member:P1";
const GLOAN = "group:G1:loan:P1";

// ---- checks ----

let passed = 0;
let failed = 0;

function describe(e) {
  if (e instanceof ConnectError) {
    return `ConnectError ${Code[e.code]}: ${e.rawMessage}`;
  }
  if (e instanceof assert.AssertionError) {
    return e.message.replace(/\n+/g, " | ");
  }
  return e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : String(e);
}

// Runs one check; a failure is printed and counted, and the run goes on.
// Returns the check's value, or undefined when it failed.
async function check(name, fn) {
  try {
    const v = await fn();
    passed++;
    console.log(`ok   ${name}`);
    return v;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${describe(e)}`);
    return undefined;
  }
}

// ---- the model: what every balance must be ----

const DEBIT_NORMAL = new Set(["asset", "expense"]);
const model = new Map(CODES.map((c) => [c, 0n]));
const walletLines = []; // {seq, debit, credit, balanceAfter, clientId, operation}

function applyEntry(seq, input) {
  for (const leg of input.legs) {
    const debit = leg.amount.case === "debit";
    const sign = debit === DEBIT_NORMAL.has(ACCOUNTS[leg.account].type) ? 1n : -1n;
    const after = model.get(leg.account) + sign * leg.amount.value;
    model.set(leg.account, after);
    if (leg.account === WALLET) {
      walletLines.push({
        seq,
        debit: debit ? leg.amount.value : 0n,
        credit: debit ? 0n : leg.amount.value,
        balanceAfter: after,
        clientId: input.clientId,
        operation: input.operation,
      });
    }
  }
}

const snapshot = () => new Map(model);

// The donor reports' age band of someone born in `year`, on a "YYYY-MM-DD"
// day (age = the years between, as the ledger counts them).
function ageBandOn(day, year) {
  const age = Number(day.slice(0, 4)) - year;
  if (age < 15) return "AGE_BAND_UNDER_15";
  if (age < 25) return "AGE_BAND_15_24";
  if (age < 35) return "AGE_BAND_25_34";
  if (age < 50) return "AGE_BAND_35_49";
  return "AGE_BAND_50_PLUS";
}

// ---- helpers ----

const today = new Date().toISOString().slice(0, 10);
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

const debit = (account, value) => ({ account, amount: { case: "debit", value } });
const credit = (account, value) => ({ account, amount: { case: "credit", value } });

// Checks a checkpoint the server sent: well formed, the origin line first,
// the size, and, given the verifier key, its signature.
function assertCheckpoint(text, treeSize) {
  const cp = parseCheckpoint(text);
  if (ORIGIN) {
    assert.ok(text.startsWith(ORIGIN + "\n"), `checkpoint starts with the origin line ${ORIGIN}`);
  }
  if (treeSize !== undefined) assert.equal(cp.size, treeSize, "checkpoint size = tree_size");
  if (VKEY) verifyNoteSignature(cp, VKEY);
  return cp;
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (e) {
    const ce = ConnectError.from(e);
    assert.equal(Code[ce.code], Code[code], `error code (message: ${ce.rawMessage})`);
    return ce;
  }
  assert.fail(`expected a ConnectError ${Code[code]}, the call succeeded`);
}

function makeClient(binary, token) {
  const interceptors = [];
  if (token !== null) {
    interceptors.push((next) => async (req) => {
      req.header.set("Authorization", `Bearer ${token}`);
      return next(req);
    });
  }
  const transport = createConnectTransport({
    baseUrl: URL_,
    httpVersion: "1.1",
    useBinaryFormat: binary,
    interceptors,
    // Strict: a field the contract does not have is an error.
    jsonOptions: { ignoreUnknownFields: false },
  });
  return createClient(Ledger, transport);
}

// `flags`: also check locked and closed (the accounts' state now, so not for
// balances as of the past); the type is the account's in every case.
function assertBalances(resp, expected, what, flags = true) {
  assert.equal(resp.currency, "GNF", "currency");
  assert.equal(resp.currencyDigits, 0, "currency digits");
  const got = new Map(resp.balances.map((b) => [b.account, b]));
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${what}: accounts`);
  for (const [code, want] of expected) {
    const b = got.get(code);
    assert.equal(b.balance, want, `${what}: balance of ${code}`);
    assert.equal(b.type, ACCOUNTS[code].type, `type of ${code}`);
    if (flags) {
      assert.equal(b.locked, ACCOUNTS[code].locked, `locked of ${code}`);
      assert.equal(b.closed, false, `closed of ${code}`);
    }
  }
}

const pick = (m, codes) => new Map(codes.map((c) => [c, m.get(c)]));

// ---- one transport's scenario ----

const posted = { treeSize: 0n, checkpoint: "" }; // the last PostEntries reply

async function scenario(label, binary) {
  const c = makeClient(binary, TOKEN);
  const opt = { timeoutMs: CALL_TIMEOUT_MS };
  const t = (name) => `[${label}] ${name}`;
  const id = (name) => `${label}-${name}`;

  // Where the log stands before this transport posts anything.
  const start = await check(t("GetCheckpoint (latest) before posting"), async () => {
    const r = await c.getCheckpoint({}, opt);
    assert.ok(r.treeSize > 0n, "tree_size > 0");
    const cp = assertCheckpoint(r.checkpoint, r.treeSize);
    assertBytesEqual(r.rootHash, cp.root, "root_hash = the checkpoint's root");
    if (VKEY) assert.equal(r.verifierKey, VKEY, "verifier_key");
    return { treeSize: r.treeSize, root: r.rootHash, model: snapshot() };
  });

  const entries = [
    {
      clientId: id("funding-1"),
      operation: Operation.FUNDING,
      valueDate: today,
      externalRef: `MFI1-${label}-0001`,
      memo: "donor tranche 1",
      legs: [debit(CASH, 1_000_000n), credit(FUND, 1_000_000n)],
    },
    {
      clientId: id("wage-1"),
      operation: Operation.WAGE,
      valueDate: today,
      memo: "cash-for-work semaine 1 — Conakry, Kindia",
      legs: [debit(WAGES, 75_000n), credit(WALLET, 67_500n), credit(CAPITAL, 7_500n)],
    },
    {
      clientId: id("wage-2"),
      operation: Operation.WAGE,
      valueDate: today,
      memo: "cash-for-work week 2",
      legs: [debit(WAGES, 75_000n), credit(WALLET, 67_500n), credit(CAPITAL, 7_500n)],
    },
    {
      clientId: id("payout-1"),
      operation: Operation.PAYOUT,
      valueDate: today,
      externalRef: `MFI1-${label}-0002`,
      legs: [debit(WALLET, 20_000n), credit(CASH, 20_000n)],
    },
    // A typed wage: no legs, the server's ledger derives them (5 days of
    // 3,000 = 15,000 gross: 13,500 to the wallet, 1,500 withheld as capital).
    {
      clientId: id("wage-3"),
      operation: Operation.WAGE,
      valueDate: today,
      participant: "P1",
      days: 5,
      dailyRate: 3_000n,
      budgetLine: "BL-2.1",
    },
  ];
  // What the model applies: the legs sent, or the ones the ledger derives.
  const derived = new Map([
    [4, [debit(WAGES, 15_000n), credit(WALLET, 13_500n), credit(CAPITAL, 1_500n)]],
  ]);
  const legsOf = (i) => derived.get(i) ?? entries[i].legs;

  const seqs = await check(t("PostEntries: funding, 2 wages, payout, typed wage -> RESULT_OK"), async () => {
    const r = await c.postEntries({ entries }, opt);
    assert.equal(r.results.length, entries.length, "one result per entry");
    const s = r.results.map((x, i) => {
      assert.equal(Result[x.result], "OK", `entry ${i} result (message: ${x.message})`);
      assert.ok(x.seq > 0n, `entry ${i} has a seq`);
      return x.seq;
    });
    for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1], "seqs increase in request order");
    assert.ok(r.treeSize > s[s.length - 1], "tree_size covers the entries");
    if (start) assert.ok(s[0] >= start.treeSize, "new seqs come after the previous tree");
    assertCheckpoint(r.checkpoint, r.treeSize);
    s.forEach((seq, i) => applyEntry(seq, { ...entries[i], legs: legsOf(i) }));
    posted.treeSize = r.treeSize;
    posted.checkpoint = r.checkpoint;
    return s;
  });

  await check(t("PostEntries again (retry): RESULT_EXISTS, same seqs"), async () => {
    const r = await c.postEntries({ entries }, opt);
    assert.deepEqual(
      r.results.map((x) => Result[x.result]),
      entries.map(() => "EXISTS"),
    );
    if (seqs) assert.deepEqual(r.results.map((x) => x.seq), seqs, "the first seqs");
  });

  await check(t("PostEntries same client id, other amount: EXISTS_WITH_DIFFERENT_FIELDS"), async () => {
    const e = { ...entries[0], legs: [debit(CASH, 999n), credit(FUND, 999n)] };
    const r = await c.postEntries({ entries: [e] }, opt);
    assert.equal(Result[r.results[0].result], "EXISTS_WITH_DIFFERENT_FIELDS");
  });

  await check(t("PostEntries overdraft of the wallet: RESULT_INSUFFICIENT_FUNDS"), async () => {
    const over = model.get(WALLET) + 1n;
    const r = await c.postEntries(
      {
        entries: [
          {
            clientId: id("payout-too-much"),
            operation: Operation.PAYOUT,
            valueDate: today,
            legs: [debit(WALLET, over), credit(CASH, over)],
          },
        ],
      },
      opt,
    );
    assert.equal(r.results.length, 1);
    assert.equal(Result[r.results[0].result], "INSUFFICIENT_FUNDS", `result (message: ${r.results[0].message})`);
    assert.ok(r.results[0].message.length > 0, "a message says why");
  });

  await check(t("GetBalances of every account: exact, overdraft changed nothing"), async () => {
    const r = await c.getBalances({ accounts: CODES }, opt);
    assertBalances(r, model, "now");
  });

  await check(t("GetBalances of participant P1"), async () => {
    const r = await c.getBalances({ participant: "P1" }, opt);
    assertBalances(r, pick(model, [CAPITAL, GRANT, WALLET]), "participant P1");
  });

  if (start) {
    await check(t("GetBalances as of the tree size before posting"), async () => {
      const r = await c.getBalances(
        { accounts: CODES, asOf: { case: "asOfTreeSize", value: start.treeSize } },
        opt,
      );
      assertBalances(r, start.model, `as of tree size ${start.treeSize}`, false);
    });
  }

  await check(t("GetBalances as of today and as of yesterday"), async () => {
    const now = await c.getBalances({ accounts: CODES, asOf: { case: "asOfDate", value: today } }, opt);
    assertBalances(now, model, `as of ${today}`, false);
    const before = await c.getBalances(
      { accounts: CODES, asOf: { case: "asOfDate", value: yesterday } },
      opt,
    );
    assertBalances(before, new Map(CODES.map((code) => [code, 0n])), `as of ${yesterday}`, false);
  });

  await check(t("GetStatement of the wallet, page size 1, through next_page_token"), async () => {
    const lines = [];
    let token = 0n;
    let pages = 0;
    do {
      const r = await c.getStatement({ account: WALLET, pageSize: 1, pageToken: token }, opt);
      pages++;
      assert.ok(pages <= walletLines.length + 1, "paging ends");
      assert.equal(r.account, WALLET);
      assert.equal(r.currency, "GNF");
      assert.equal(r.openingBalance, 0n, "opening balance (whole history)");
      assert.equal(r.closingBalance, model.get(WALLET), "closing balance");
      assert.equal(r.linesTotal, BigInt(walletLines.length), "lines_total");
      assert.equal(r.lines.length, 1, "one line per page");
      lines.push(...r.lines);
      token = r.nextPageToken;
    } while (token !== 0n);
    assert.equal(lines.length, walletLines.length, "all lines seen");
    lines.forEach((l, i) => {
      const w = walletLines[i];
      const at = `line ${i} (seq ${w.seq})`;
      assert.equal(l.seq, w.seq, `${at}: seq`);
      assert.equal(l.debit, w.debit, `${at}: debit`);
      assert.equal(l.credit, w.credit, `${at}: credit`);
      assert.equal(l.balanceAfter, w.balanceAfter, `${at}: balance_after`);
      assert.equal(l.clientId, w.clientId, `${at}: client_id`);
      assert.equal(Operation[l.operation], Operation[w.operation], `${at}: operation`);
      assert.equal(Kind[l.kind], "POSTED", `${at}: kind`);
      assert.equal(l.valueDate, today, `${at}: value_date`);
      assert.match(l.recordedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, `${at}: recorded_at`);
    });
  });

  await check(t("GetStatement of the wallet, one page"), async () => {
    const r = await c.getStatement({ account: WALLET }, opt);
    assert.equal(r.nextPageToken, 0n, "no next page");
    assert.deepEqual(
      r.lines.map((l) => [l.seq, l.balanceAfter]),
      walletLines.map((w) => [w.seq, w.balanceAfter]),
    );
    assert.equal(r.closingBalance, model.get(WALLET));
  });

  await check(t("GetStatement of the wallet from tomorrow: no line"), async () => {
    const r = await c.getStatement({ account: WALLET, dateFrom: tomorrow }, opt);
    assert.equal(r.lines.length, 0);
    assert.equal(r.linesTotal, 0n);
    assert.equal(r.openingBalance, model.get(WALLET), "opening = balance before the period");
    assert.equal(r.closingBalance, model.get(WALLET), "closing = opening");
  });

  if (seqs) {
    const wageSeq = seqs[1];
    const byIdReply = await check(t(`GetEntry by seq ${wageSeq}: the wage, its leaf and proof`), async () => {
      const r = await c.getEntry({ by: { case: "seq", value: wageSeq } }, opt);
      const e = r.entry;
      assert.ok(e, "entry present");
      assert.equal(e.seq, wageSeq);
      assert.equal(e.programme, PROGRAMME);
      assert.equal(e.partner, PARTNER);
      assert.equal(e.clientId, entries[1].clientId);
      assert.equal(Kind[e.kind], "POSTED");
      assert.equal(Operation[e.operation], "WAGE");
      assert.equal(e.valueDate, today);
      assert.equal(e.memo, entries[1].memo);
      assert.deepEqual(
        e.legs.map((l) => [l.account, l.debit, l.credit]),
        [
          [WAGES, 75_000n, 0n],
          [WALLET, 0n, 67_500n],
          [CAPITAL, 0n, 7_500n],
        ],
      );
      const walletLine = walletLines.find((w) => w.seq === wageSeq);
      assert.equal(e.legs[1].balanceAfter, walletLine.balanceAfter, "wallet leg balance_after");
      // The leaf, its RFC 6962 hash, and its inclusion proof against the
      // checkpoint that comes with it.
      assert.ok(r.leaf.length > 0, "leaf bytes");
      assertBytesEqual(r.leafHash, sha256(Uint8Array.of(0), r.leaf), "leaf_hash = SHA-256(0x00 || leaf)");
      assert.ok(r.treeSize > wageSeq, "tree_size covers the entry");
      const cp = assertCheckpoint(r.checkpoint, r.treeSize);
      const root = rootFromInclusionProof(wageSeq, r.treeSize, r.leafHash, r.inclusionProof);
      assertBytesEqual(root, cp.root, "inclusion proof leads to the checkpoint's root");
      return r;
    });

    await check(t("GetEntry by client id: the same entry"), async () => {
      const r = await c.getEntry({ by: { case: "clientId", value: entries[1].clientId } }, opt);
      assert.equal(r.entry.seq, wageSeq);
      assert.equal(r.entry.clientId, entries[1].clientId);
      if (byIdReply) assertBytesEqual(r.leaf, byIdReply.leaf, "same leaf");
    });

    await check(t("GetEntry of the typed wage: derived legs and P1's reporting tags"), async () => {
      const r = await c.getEntry({ by: { case: "seq", value: seqs[4] } }, opt);
      assert.equal(Operation[r.entry.operation], "WAGE");
      assert.deepEqual(
        r.entry.legs.map((l) => [l.account, l.debit, l.credit]),
        [
          [WAGES, 15_000n, 0n],
          [WALLET, 0n, 13_500n],
          [CAPITAL, 0n, 1_500n],
        ],
      );
      const tags = r.entry.tags;
      assert.ok(tags, "tags present");
      assert.equal(tags.participant, "P1");
      assert.equal(Sex[tags.sex], "FEMALE");
      assert.equal(AgeBand[tags.ageBand], ageBandOn(today, P1.birthYear), "age band at the value date");
      assert.equal(Category[tags.category], "RETURNED_MIGRANT");
      assert.equal(tags.admin1, P1.admin1);
      assert.equal(tags.admin2, P1.admin2);
      assert.equal(tags.cohort, P1.cohort);
      assert.equal(tags.phase, 1);
      assert.equal(tags.cso, PARTNER);
      assert.equal(tags.budgetLine, "BL-2.1");
      assertBytesEqual(r.leafHash, sha256(Uint8Array.of(0), r.leaf), "leaf_hash");
    });

    await check(t("GetEntry of the funding: legs and external ref"), async () => {
      const r = await c.getEntry({ by: { case: "seq", value: seqs[0] } }, opt);
      assert.equal(Operation[r.entry.operation], "FUNDING");
      assert.equal(r.entry.externalRef, entries[0].externalRef);
      assert.deepEqual(
        r.entry.legs.map((l) => [l.account, l.debit, l.credit]),
        [
          [CASH, 1_000_000n, 0n],
          [FUND, 0n, 1_000_000n],
        ],
      );
    });
  }

  await check(t("GetCheckpoint (latest) and of the PostEntries tree size"), async () => {
    const r = await c.getCheckpoint({}, opt);
    assert.ok(r.treeSize >= posted.treeSize, "latest >= last post's");
    const cp = assertCheckpoint(r.checkpoint, r.treeSize);
    assertBytesEqual(r.rootHash, cp.root, "root_hash = the checkpoint's root");
    if (VKEY) assert.equal(r.verifierKey, VKEY, "verifier_key");
    const old = await c.getCheckpoint({ treeSize: posted.treeSize }, opt);
    assert.equal(old.treeSize, posted.treeSize);
    assert.equal(old.checkpoint, posted.checkpoint, "the checkpoint PostEntries returned");
  });

  if (start) {
    await check(t("GetConsistencyProof from before posting to now"), async () => {
      const latest = await c.getCheckpoint({}, opt);
      const r = await c.getConsistencyProof({ oldSize: start.treeSize, newSize: 0n }, opt);
      assert.equal(r.oldSize, start.treeSize);
      assert.equal(r.newSize, latest.treeSize, "new_size 0 = latest");
      verifyConsistency(r.oldSize, r.newSize, start.root, latest.rootHash, r.proof);
    });
  }

  await check(t("ListAccounts: code order, balances, flags"), async () => {
    const r = await c.listAccounts({}, opt);
    assert.equal(r.currency, "GNF");
    assert.equal(r.nextPageToken, "");
    assert.deepEqual(r.accounts.map((a) => a.code), CODES);
    for (const a of r.accounts) {
      assert.equal(a.balance, model.get(a.code), `balance of ${a.code}`);
      assert.equal(a.type, ACCOUNTS[a.code].type, `type of ${a.code}`);
      assert.equal(a.noOverdraft, ACCOUNTS[a.code].noOverdraft, `no_overdraft of ${a.code}`);
      assert.equal(a.locked, ACCOUNTS[a.code].locked, `locked of ${a.code}`);
      assert.equal(a.closed, false, `closed of ${a.code}`);
    }
    const wallet = r.accounts.find((a) => a.code === WALLET);
    assert.equal(wallet.linesCount, BigInt(walletLines.length), "wallet lines_count");
  });

  await check(t("ListAccounts: page size 2 through next_page_token, prefix"), async () => {
    const codes = [];
    let token = "";
    let pages = 0;
    do {
      const r = await c.listAccounts({ pageSize: 2, pageToken: token }, opt);
      assert.ok(++pages <= CODES.length, "paging ends");
      assert.ok(r.accounts.length <= 2, "at most 2 per page");
      codes.push(...r.accounts.map((a) => a.code));
      token = r.nextPageToken;
    } while (token !== "");
    assert.deepEqual(codes, CODES);
    const p = await c.listAccounts({ prefix: "participant:P1:" }, opt);
    assert.deepEqual(p.accounts.map((a) => a.code), [CAPITAL, GRANT, WALLET]);
  });

  // Participants.
  await check(t("EnrollParticipants P1 again: RESULT_PARTICIPANT_EXISTS, nothing written"), async () => {
    const before = await c.getCheckpoint({}, opt);
    const r = await c.enrollParticipants({ participants: [P1] }, opt);
    assert.equal(r.results.length, 1);
    assert.equal(Result[r.results[0].result], "PARTICIPANT_EXISTS");
    assert.equal(r.treeSize, before.treeSize, "tree size unchanged");
  });

  await check(t("GetParticipant P1: the record, no personal data"), async () => {
    const r = await c.getParticipant({ id: "P1" }, opt);
    const p = r.participant;
    assert.equal(p.id, "P1");
    assert.equal(Sex[p.sex], "FEMALE");
    assert.equal(p.birthYear, P1.birthYear);
    assert.equal(p.wgSs, P1.wgSs);
    assert.equal(Category[p.category], "RETURNED_MIGRANT");
    assert.equal(p.cohort, P1.cohort);
    assert.equal(p.phase, 1);
    assert.equal(p.cso, PARTNER);
    assert.equal(p.name, "", "no name without include_personal");
    assert.ok(p.enrolledSeq > 0n, "enrolled_seq");
    await expectCode(c.getParticipant({ id: "P1", includePersonal: true }, opt), Code.PermissionDenied);
    await expectCode(c.getParticipant({ id: "P404" }, opt), Code.NotFound);
  });

  await check(t("ListParticipants: P1"), async () => {
    const r = await c.listParticipants({}, opt);
    assert.deepEqual(r.participants.map((p) => p.id), ["P1"]);
    assert.equal(r.nextPageToken, "");
  });

  // Errors.
  await check(t("wrong token: Unauthenticated"), async () => {
    const bad = makeClient(binary, TOKEN.slice(0, -4) + "XXXX");
    await expectCode(bad.getBalances({ accounts: [WALLET] }, opt), Code.Unauthenticated);
    await expectCode(bad.postEntries({ entries: [entries[0]] }, opt), Code.Unauthenticated);
  });

  await check(t("no token: Unauthenticated"), async () => {
    const none = makeClient(binary, null);
    await expectCode(none.getCheckpoint({}, opt), Code.Unauthenticated);
  });

  await check(t("GetEntry of an unknown seq: NotFound"), async () => {
    await expectCode(c.getEntry({ by: { case: "seq", value: 1n << 40n } }, opt), Code.NotFound);
  });

  await check(t("GetEntry of an unknown client id: NotFound"), async () => {
    await expectCode(c.getEntry({ by: { case: "clientId", value: id("never-posted") } }, opt), Code.NotFound);
  });

  await check(t("another programme: PermissionDenied"), async () => {
    await expectCode(
      c.getBalances({ programme: "not-mine", accounts: [WALLET] }, opt),
      Code.PermissionDenied,
    );
  });
}

// ---- a savings group ----

// The group's balances as the client expects them.
const groupModel = new Map([GCASH, GSOCIAL, GINCOME, GMEMBER, GLOAN].map((c) => [c, 0n]));
const gadd = (code, v) => groupModel.set(code, groupModel.get(code) + v);

async function savingsGroup() {
  const b = makeClient(true, TOKEN);
  const j = makeClient(false, TOKEN);
  const opt = { timeoutMs: CALL_TIMEOUT_MS };
  const PRICE = 500n;

  await check("[binary] CreateGroup G1", async () => {
    const r = await b.createGroup({ group: GROUP, name: "Groupement Espoir de Coyah" }, opt);
    assertCheckpoint(r.checkpoint, r.treeSize);
  });
  await check("[json] CreateGroup G1 again: AlreadyExists (group_exists)", async () => {
    const e = await expectCode(j.createGroup({ group: GROUP }, opt), Code.AlreadyExists);
    assert.match(e.rawMessage, /group_exists/);
  });
  await check("[binary] AddGroupMembers P1, P404: OK (number 1), UNKNOWN_PARTICIPANT", async () => {
    const r = await b.addGroupMembers({ group: GROUP, participants: ["P1", "P404"] }, opt);
    assert.deepEqual(
      r.results.map((x) => [Result[x.result], x.number]),
      [
        ["OK", 1],
        ["UNKNOWN_PARTICIPANT", 0],
      ],
    );
    assertCheckpoint(r.checkpoint, r.treeSize);
  });
  await check("[json] OpenCycle: share price 500, limits 1..5 by default, charge 1000 bp", async () => {
    const r = await j.openCycle(
      { group: GROUP, sharePrice: PRICE, serviceChargeBp: 1000, start: today, plannedEnd: tomorrow },
      opt,
    );
    const cy = r.cycle;
    assert.equal(cy.number, 1);
    assert.equal(cy.sharePrice, PRICE);
    assert.equal(cy.sharesMin, 1);
    assert.equal(cy.sharesMax, 5);
    assert.equal(cy.serviceChargeBp, 1000);
    assert.equal(cy.start, today);
    assert.equal(cy.plannedEnd, tomorrow);
    assert.equal(cy.open, true);
  });

  const op = (clientId, operation, fields) => ({
    clientId,
    operation,
    valueDate: today,
    group: GROUP,
    participant: "P1",
    ...fields,
  });

  await check("[binary] PostEntries meeting: 2 shares from P1's wallet, social fund; count agrees", async () => {
    const r = await b.postEntries(
      {
        entries: [
          op("g1-m1-buy", Operation.SHARE_PURCHASE, { shares: 2, fromWallet: true }),
          op("g1-m1-social", Operation.SOCIAL_FUND, { amount: 100n }),
        ],
        meeting: { group: GROUP, date: today, present: ["P1"], cashCounted: 1100n },
      },
      opt,
    );
    assert.deepEqual(r.results.map((x) => Result[x.result]), ["OK", "OK"]);
    // Four legs: the wallet pays the MFI's cash, which pays the group's.
    model.set(WALLET, model.get(WALLET) - 2n * PRICE);
    model.set(CASH, model.get(CASH) - 2n * PRICE);
    gadd(GCASH, 2n * PRICE + 100n);
    gadd(GMEMBER, 2n * PRICE);
    gadd(GSOCIAL, 100n);
    const m = r.meeting;
    assert.ok(m, "meeting report");
    assert.equal(m.cashExpected, groupModel.get(GCASH));
    assert.equal(m.cashCounted, 1100n);
    assert.equal(m.difference, 0n);
    assert.equal(m.present, 1);
    assert.ok(m.seq > r.results[1].seq && m.seq < r.treeSize, "the meeting leaf after its entries");
    assertCheckpoint(r.checkpoint, r.treeSize);
  });

  await check("[json] PostEntries meeting: a share, 6 shares refused, loan, repayment; 50 short", async () => {
    const r = await j.postEntries(
      {
        entries: [
          op("g1-m2-buy", Operation.SHARE_PURCHASE, { shares: 1, valueDate: tomorrow }),
          op("g1-m2-six", Operation.SHARE_PURCHASE, { shares: 6, valueDate: tomorrow }),
          op("g1-m2-loan", Operation.GROUP_LOAN, { amount: 300n, valueDate: tomorrow }),
          op("g1-m2-repay", Operation.LOAN_REPAYMENT, { amount: 200n, valueDate: tomorrow }),
        ],
        // The next day's meeting: a group has one meeting a day.
        meeting: { group: GROUP, date: tomorrow, present: ["P1"], cashCounted: 1470n },
      },
      opt,
    );
    assert.deepEqual(
      r.results.map((x) => Result[x.result]),
      ["OK", "SHARE_LIMIT", "OK", "OK"],
    );
    gadd(GCASH, PRICE - 300n + 220n);
    gadd(GMEMBER, PRICE);
    gadd(GLOAN, 300n - 200n);
    gadd(GINCOME, 20n); // 10 % of the principal repaid
    assert.equal(r.meeting.cashExpected, groupModel.get(GCASH));
    assert.equal(r.meeting.cashExpected, 1520n);
    assert.equal(r.meeting.difference, -50n);
  });

  for (const [label, c] of [
    ["binary", b],
    ["json", j],
  ]) {
    await check(`[${label}] GetGroup G1: figures and member P1`, async () => {
      const r = await c.getGroup({ group: GROUP }, opt);
      const g = r.group;
      assert.equal(g.id, GROUP);
      assert.equal(g.cso, PARTNER);
      assert.equal(g.members, 1);
      assert.equal(g.cycle.number, 1);
      assert.equal(g.cycle.open, true);
      assert.equal(g.shares, 3n);
      assert.equal(g.cash, groupModel.get(GCASH));
      assert.equal(g.social, groupModel.get(GSOCIAL));
      assert.equal(g.income, groupModel.get(GINCOME));
      assert.equal(g.loanFund, g.cash - g.social);
      assert.equal(g.loansOutstanding, groupModel.get(GLOAN));
      assert.equal(g.savings, groupModel.get(GMEMBER));
      assert.equal(g.meetings, 2);
      assert.equal(g.attendance, 2n);
      assert.deepEqual(
        r.members.map((m) => [m.number, m.participant, m.shares, m.savings, m.loan, m.incomeShare]),
        [[1, "P1", 3n, groupModel.get(GMEMBER), groupModel.get(GLOAN), groupModel.get(GINCOME)]],
      );
    });
  }
  await check("[json] GetGroup of an unknown group: NotFound", async () => {
    await expectCode(j.getGroup({ group: "G404" }, opt), Code.NotFound);
  });
}

// ---- main ----

console.log(`interop: ${URL_}, node ${process.version}`);
await check("[binary] EnrollParticipants P1 -> RESULT_OK", async () => {
  const r = await makeClient(true, TOKEN).enrollParticipants(
    { participants: [P1] },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
  assert.equal(r.results.length, 1);
  assert.equal(Result[r.results[0].result], "OK", `result (message: ${r.results[0].message})`);
  assert.ok(r.results[0].seq > 0n, "the enrolment leaf's seq");
  assert.ok(r.treeSize > r.results[0].seq, "tree_size covers it");
  assertCheckpoint(r.checkpoint, r.treeSize);
});
await scenario("binary", true);
await scenario("json", false);
await savingsGroup();

await check("[binary] final balances after both transports", async () => {
  const r = await makeClient(true, TOKEN).getBalances({ accounts: CODES }, { timeoutMs: CALL_TIMEOUT_MS });
  assertBalances(r, model, "final");
});

if (EXPECTED_OUT) {
  const out = Object.fromEntries([...model, ...groupModel].map(([k, v]) => [k, v.toString()]));
  writeFileSync(EXPECTED_OUT, JSON.stringify(out, null, 2) + "\n");
}

if (failed === 0) {
  console.log(`interop: all checks passed (${passed} checks)`);
  process.exit(0);
}
console.log(`interop: ${failed} of ${passed + failed} checks FAILED`);
process.exit(1);
