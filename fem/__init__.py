"""Finite-element physics for Li-metal anodes and their hosts (DOLFINx, SI units).

The core (this package's own modules) is what every physics uses: constants,
markers (the one region/boundary table, also read by geometries/), materials
(parameter sets with sources), validation, mesh_io (gmsh -> distributed mesh
with named markers), solvers (PETSc SNES/KSP plumbing), output (VTX/XDMF
fields), interface (fields on an interface and their transfer between meshes)
and _compat (the DOLFINx version shims).

One subpackage per physics, each depending on the core only:
fem.electrochemistry (current, kinetics, deposition), fem.mechanics (elastic +
creep, contact); fem.coupling (the staggered loops) may use them all.  No module
of fem/ imports geometries/ or studies/.  Importing this package loads nothing
heavy, so geometries/ may read fem.markers without DOLFINx.
"""
