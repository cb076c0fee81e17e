"""Officer review: the queue of drafts, previews of found media, timelines and the dashboard."""
