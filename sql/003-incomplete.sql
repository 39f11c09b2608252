-- 003: a run's history can be incomplete, and the store can test that it writes again.
--
-- runs.missing: the seconds of the run whose samples never committed (the disk was full, an I/O
-- error), as a JSON array of inclusive ranges [[from, to], ...] in second order; NULL when every
-- second the run measured is stored. Written with the run's final state by the run manager, which
-- kept the list in memory while the run went on (docs/design.md, "A full disk").
ALTER TABLE runs ADD COLUMN missing TEXT CHECK (missing IS NULL OR json_valid(missing));

-- The store's probe: while writes fail, the writer thread tries once a second to insert (and then
-- delete) one row of 64 KiB here; when that commits, the store reports writes working again. Always
-- empty between probes; nothing else reads or writes it.
CREATE TABLE store_probe (
	pad BLOB NOT NULL
);
