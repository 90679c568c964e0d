// Placeholder until the BullMQ ops CLI lands (rebuild, status, watch, runs).
export async function runOpsCli(argv: string[]): Promise<number> {
  console.error(`ops commands are not available yet (got: ${argv.join(' ') || 'nothing'}); use --inline`);
  return 2;
}
