"""The pipeline: the queue, the stages' wiring, the scheduler and the sweeper."""
