// weft's version, as reported by `weft --version` and /server_info.
export const WEFT_VERSION = '0.1.0';
