# mk/core.mk: placeholder, owned by its part of the kit.
.PHONY: test-core
test-core:
	@echo "test-core: nothing yet"
