package store

// CommitStats is an optional feature of a Store: a backend that groups concurrent
// writes into one commit reports how many commits it made and how many writes they
// carried, so that ops/batches (the mean group-commit size) can be watched as a metric.
// It is optional because it describes how a backend writes, not what it stores: a
// backend that commits each write on its own has nothing to report.
type CommitStats interface {
	// BatchStats returns the group commits made so far and the writes they carried.
	BatchStats() (batches, ops int64)
}
