// The tests' PostgreSQL: sim/postgres.ts (also used by the preapplied bench).
export { postgresBin, startPostgres, type TestPostgres } from '../../sim/postgres.ts'
