/** Package version used in the default User-Agent (kept in sync with package.json by a test). */
export const CLIENT_VERSION = "0.1.0";
