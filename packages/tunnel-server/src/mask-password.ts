/** scheme://user:secret@host/... -> scheme://user:***@host/..., for messages and logs. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
