import { describeAppendLogContract, describeJournalContract } from "@snapwrite/testkit/contract";
import { openAppendLog, openJournal, readAppendLog, replayJournal } from "../src/index.js";

describeJournalContract("openJournal", {
  open: ({ fs, dir }) => openJournal({ fs, dir, name: "contract" }),
  async replay({ fs, dir, afterSeq }) {
    const records: { seq: number; payload: Uint8Array }[] = [];
    await replayJournal({
      fs,
      dir,
      name: "contract",
      afterSeq,
      onRecord: (r) => void records.push(r),
    });
    return records;
  },
});

describeAppendLogContract("openAppendLog", {
  open: ({ fs, path }) =>
    openAppendLog({
      fs,
      path,
      rotate: { maxBytes: 96 },
    }),
  async read({ fs, path }) {
    const records: { seq: number; value: unknown }[] = [];
    const problems: { problem: string; offset: number }[] = [];
    for await (const e of readAppendLog({ fs, path })) {
      if ("problem" in e) problems.push(e);
      else records.push(e);
    }
    return { records, problems };
  },
});
