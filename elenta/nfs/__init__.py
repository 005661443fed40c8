"""NFS exports: the exports(5) grammar, its options, and the checks run before anything is installed.

`elenta.nfs.render` turns constellation roles into export entries; this package knows what a
valid `/etc/exports` is and how `exportfs -v` reports what is loaded.
"""
