// placeholder replaced below
export async function runInstall(_a: string[]): Promise<number> { return 2; }
export async function runUninstall(_a: string[]): Promise<number> { return 2; }
