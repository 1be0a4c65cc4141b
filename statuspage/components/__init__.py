"""Components and component groups of the status page: create, edit, order and delete them.
Read editing.py first; ordering.py keeps positions gap-free and deletion.py removes them.
"""
