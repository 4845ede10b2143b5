"""nox sessions: their declarations, the affected selection, a session's plan and
install, its key and cache entry, staleness, and the registry nox loads.

Built on the workspace, the graph and the changes; knows nothing of the command line.
"""
