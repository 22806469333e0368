"""What tests share, imported as ``tests.support.<module>``: plans of the real stacks (built once per process), plan
seeders that add one resource to a real plan, config loaders, and the moto server. Test modules import from here,
never from ``conftest`` or from each other."""
