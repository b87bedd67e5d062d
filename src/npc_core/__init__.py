"""npc_core: the domain, ports and use cases of NPC看电影, importable on its own."""
