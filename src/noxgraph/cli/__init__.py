"""The ``noxgraph`` command line: parsing, the commands, the noxfile and workflow
writers, and every JSON document and text view (:mod:`noxgraph.cli.report`).

The only part of noxgraph that prints or exits.
"""
