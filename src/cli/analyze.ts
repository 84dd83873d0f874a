// weft analyze (placeholder until implemented).
export async function runAnalyze(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('weft analyze: not implemented yet\n');
  return 1;
}
