import { CreateVnf1764370000000 } from './1764370000000-create-vnf.js';

/** Every migration, oldest first. The schema changes only through these. */
export const migrations = [CreateVnf1764370000000];
