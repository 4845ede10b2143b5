"""What a change touches: changed files from git, the content of package folders,
lock files, and the affected packages with their reasons.

Built on :mod:`noxgraph.workspace` and :mod:`noxgraph.graph`; knows nothing of
sessions or of the command line.
"""
