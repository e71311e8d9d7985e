# mk/lesson.mk: placeholder, owned by its part of the kit.
.PHONY: test-lesson
test-lesson:
	@echo "test-lesson: nothing yet"
