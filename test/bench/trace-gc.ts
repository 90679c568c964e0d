// One `--trace-gc` line as a pause: "[pid:0x..]   1234 ms: Mark-Compact 542.1 (560.0) -> 159.2 (170.0) MB, pooled: 0 MB, 963.20 / 0.00 ms ..."
export interface GcPause {
  kind: string;
  pauseMs: number;
}

export function gcPauseOf(line: string): GcPause | null {
  const m = /\d+ ms: ([A-Za-z-]+(?: \(reduce\))?)[^,]*MB,.*?([\d.]+) \/ [\d.]+ ms/.exec(line);
  return m ? { kind: m[1], pauseMs: Number(m[2]) } : null;
}
