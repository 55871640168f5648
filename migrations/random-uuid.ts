/** An SQL expression for a random version 4 UUID in lower case (a migration only issues statements: it cannot make one in JavaScript and read it back). */
export const RANDOM_UUID_SQL = `lower(
  hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
  substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
