"""``nncli forward`` and ``nncli validate`` (placeholder until the renderers land)."""
