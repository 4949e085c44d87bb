"""The job queue: work kept in the database we already run, claimed by workers (avatar_core.worker).

`queue.JobQueue` enqueues inside the caller's transaction, claims round-robin between users with
leases and fencing tokens, and answers positions; docs/architecture.md says what it took from
which database-backed queue.
"""
