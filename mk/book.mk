# mk/book.mk: placeholder, owned by its part of the kit.
.PHONY: test-book
test-book:
	@echo "test-book: nothing yet"
