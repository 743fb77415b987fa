/* evict: the pre-request connections of a worker, oldest first. */
#include "proto/evict.h"

void
evict_add(struct evict_list *l, struct evict_item *it, enum evict_queue q,
    long now_ms)
{
	it->queue = (unsigned char)q;
	it->since_ms = now_ms;
	it->next = NULL;
	it->prev = l->tail[q];
	if (l->tail[q])
		l->tail[q]->next = it;
	else
		l->head[q] = it;
	l->tail[q] = it;
	l->n[q]++;
	it->listed = 1;
}

void
evict_remove(struct evict_list *l, struct evict_item *it)
{
	enum evict_queue q = (enum evict_queue)it->queue;

	if (!it->listed)
		return;
	if (it->prev)
		it->prev->next = it->next;
	else
		l->head[q] = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		l->tail[q] = it->prev;
	l->n[q]--;
	it->prev = it->next = NULL;
	it->listed = 0;
}

void
evict_touch(struct evict_list *l, struct evict_item *it, long now_ms)
{
	if (!it->listed)
		return;
	evict_remove(l, it);
	evict_add(l, it, EVICT_WAITING, now_ms);
}

struct evict_item *
evict_pick(const struct evict_list *l, long now_ms)
{
	const struct evict_item *w = l->head[EVICT_WAITING];

	if (l->head[EVICT_SILENT])
		return l->head[EVICT_SILENT];
	if (w && now_ms - w->since_ms >= EVICT_MIN_IDLE_MS)
		return (struct evict_item *)w;
	return NULL;
}

size_t
evict_count(const struct evict_list *l)
{
	return l->n[EVICT_SILENT] + l->n[EVICT_WAITING];
}
