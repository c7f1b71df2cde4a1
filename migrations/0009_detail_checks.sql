-- When ingestion last fetched a program's detail page. A list with more rows than a run may fetch
-- detail pages for (`detail.limit`) is re-checked in turn: programs new to the catalogue first, then
-- the longest unchecked. Not part of the content hash: a check that finds nothing new changes nothing.
ALTER TABLE programs ADD COLUMN detail_checked_at timestamptz;
