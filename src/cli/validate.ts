// weft validate (placeholder until implemented).
export async function runValidate(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('weft validate: not implemented yet\n');
  return 1;
}
