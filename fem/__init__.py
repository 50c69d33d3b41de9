"""Finite-element physics for Li-metal anodes and their hosts (DOLFINx, SI units).

Modules: constants, materials (parameter sets with sources), mesh_io (gmsh ->
distributed mesh with named markers), solvers (PETSc SNES/KSP plumbing),
current (secondary current distribution), output (VTX/XDMF fields).
"""
