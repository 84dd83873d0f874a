// weft control (placeholder until implemented).
export async function runControl(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('weft control: not implemented yet\n');
  return 1;
}
