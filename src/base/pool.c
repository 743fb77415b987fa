/* pool: copies packed into blocks mapped from the system. */
#include "base/pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/sanitized.h"

/*
 * 1 MiB blocks: only the pages written become resident, so the unused
 * end of the last block costs address space, not memory. A copy larger
 * than a quarter block gets a block of its own, so that the rest of the
 * current one is not thrown away.
 */
#define BLOCK (1u << 20)

struct pool_block {
	struct pool_block *next;
	size_t size;    /* of the whole mapping */
	size_t used, room;
	char bytes[];
};

/* A buffer taken over: malloc's, freed with the pool. */
struct pool_chunk {
	struct pool_chunk *next;
	char *data;
};

void
pool_init(struct pool *p)
{
	p->blocks = NULL;
	p->chunks = NULL;
}

#ifdef SANITIZED
/*
 * Sanitizer builds give every copy its own malloc, so that AddressSanitizer
 * puts a red zone after each response and sees a read past its end.
 */
static struct pool_block *
block_map(size_t room)
{
	struct pool_block *b = malloc(sizeof(*b) + room);

	if (b != NULL)
		b->size = sizeof(*b) + room;
	return b;
}

static void
block_unmap(struct pool_block *b)
{
	free(b);
}

static size_t
block_room(size_t need)
{
	return need;
}
#else
static struct pool_block *
block_map(size_t room)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = (sizeof(struct pool_block) + room + page - 1) &
	    ~(page - 1);
	struct pool_block *b;

	b = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	b->size = size;
	return b;
}

static void
block_unmap(struct pool_block *b)
{
	munmap(b, b->size);
}

static size_t
block_room(size_t need)
{
	return need > BLOCK / 4 ? need : BLOCK - sizeof(struct pool_block);
}
#endif

void
pool_free(struct pool *p)
{
	struct pool_block *b, *next;

	struct pool_chunk *c, *cnext;

	for (b = p->blocks; b != NULL; b = next) {
		next = b->next;
		block_unmap(b);
	}
	for (c = p->chunks; c != NULL; c = cnext) {
		cnext = c->next;
		free(c->data);
		free(c);
	}
	pool_init(p);
}

char *
pool_copy(struct pool *p, const void *s, size_t n)
{
	struct pool_block *b = p->blocks;
	char *at;

	if (n > SIZE_MAX / 2)
		return NULL;
	if (b == NULL || b->room - b->used < n + 1) {
		struct pool_block *nb = block_map(block_room(n + 1));

		if (nb == NULL)
			return NULL;
		nb->used = 0;
		nb->room = nb->size - sizeof(*nb);
		/* A block of its own goes behind the current one, which
		 * keeps the room it has. */
		if (b != NULL && n + 1 > BLOCK / 4) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			p->blocks = nb;
		}
		b = nb;
	}
	at = b->bytes + b->used;
	memcpy(at, s, n);
	at[n] = '\0';
	b->used += n + 1;
	return at;
}

char *
pool_adopt(struct pool *p, char *data)
{
	struct pool_chunk *c = malloc(sizeof(*c));

	if (c == NULL) {
		free(data);
		return NULL;
	}
	c->data = data;
	c->next = p->chunks;
	p->chunks = c;
	return data;
}
