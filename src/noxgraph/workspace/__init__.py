"""Reading a workspace: files -> :class:`~noxgraph.workspace.pyproject.Package` ->
:class:`~noxgraph.workspace.load.Workspace`.

Configuration, discovery of the members, one ``pyproject.toml`` into a package,
versions, TOML, the parse cache and the backend's metadata. Nothing here knows of
the graph, of git's changes, of sessions or of the command line.
"""
