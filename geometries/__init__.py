"""gmsh builders of tagged meshes for Li | electrolyte cells and 3D hosts.

Each builder is a pure function ``(model, params) -> model`` plus a helper that
builds on rank 0, distributes the mesh, and writes markers.json / info.json.
"""
