package azure_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/nimbus-iac/nimbus/functions/azure"
)

// fakeQueue is a Service Bus queue in peek-lock mode, as far as the receive loop can tell (no
// Service Bus emulator runs here): a delivery locks a message for lockDuration and raises its
// DeliveryCount; complete removes it; abandon, or its lock running out, makes it available
// again, except that a message whose DeliveryCount has reached maxDeliveryCount then moves to
// the dead-letter queue, as Service Bus does (MaxDeliveryCountExceeded). A settle or renewal
// with a lock token that is no longer the message's current one fails with
// azservicebus.CodeLockLost.
type fakeQueue struct {
	maxDelivery  uint32
	lockDuration time.Duration

	mu          sync.Mutex
	next        int
	msgs        []*fakeMsg
	deadLetters []string
	completed   []string // message ids, in order
	abandons    int
	renewals    int
	lockLost    int
	// onComplete, when set, runs (with the queue unlocked) before a complete takes effect.
	onComplete func(body []byte)
}

type fakeMsg struct {
	id          string
	body        []byte
	count       uint32
	locked      bool
	lockedUntil time.Time
	token       [16]byte
}

func newFakeQueue(maxDelivery int, lockDuration time.Duration) *fakeQueue {
	return &fakeQueue{maxDelivery: uint32(maxDelivery), lockDuration: lockDuration}
}

// send enqueues a message; its id is returned.
func (q *fakeQueue) send(body []byte) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	id := fmt.Sprintf("m%d", q.next)
	q.msgs = append(q.msgs, &fakeMsg{id: id, body: body})
	return id
}

// expire releases the locks that ran out (the queue's lock held).
func (q *fakeQueue) expire(now time.Time) {
	for _, m := range q.msgs {
		if m.locked && !now.Before(m.lockedUntil) {
			q.release(m)
		}
	}
}

// release makes a locked message available again, or dead-letters it (the queue's lock held).
func (q *fakeQueue) release(m *fakeMsg) {
	m.locked = false
	if m.count >= q.maxDelivery {
		q.remove(m)
		q.deadLetters = append(q.deadLetters, m.id)
	}
}

func (q *fakeQueue) remove(m *fakeMsg) {
	for i, x := range q.msgs {
		if x == m {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return
		}
	}
}

// State returns what is left, settled and dead-lettered.
func (q *fakeQueue) State() (pending int, completed, deadLetters []string, abandons, renewals int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(time.Now())
	return len(q.msgs), append([]string(nil), q.completed...), append([]string(nil), q.deadLetters...), q.abandons, q.renewals
}

// idle reports whether every message is settled or dead-lettered.
func (q *fakeQueue) idle() bool {
	pending, _, _, _, _ := q.State()
	return pending == 0
}

// receiver returns a receiver of the queue, like one process's link.
func (q *fakeQueue) receiver() *fakeReceiver { return &fakeReceiver{q: q} }

// fakeReceiver implements azure.Receiver on a fakeQueue. kill makes it a dead process's link:
// every call fails and the locks it holds run out on their own.
type fakeReceiver struct {
	q      *fakeQueue
	mu     sync.Mutex
	dead   bool
	closed bool
}

var _ azure.Receiver = (*fakeReceiver)(nil)

var errConnLost = errors.New("fake: connection lost")

func (r *fakeReceiver) kill() { r.mu.Lock(); r.dead = true; r.mu.Unlock() }

func (r *fakeReceiver) check() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.dead:
		return errConnLost
	case r.closed:
		return errors.New("fake: receiver closed")
	}
	return nil
}

func (r *fakeReceiver) ReceiveMessages(ctx context.Context, max int, _ *azservicebus.ReceiveMessagesOptions) ([]*azservicebus.ReceivedMessage, error) {
	for {
		if err := r.check(); err != nil {
			return nil, err
		}
		q := r.q
		q.mu.Lock()
		now := time.Now()
		q.expire(now)
		var out []*azservicebus.ReceivedMessage
		for _, m := range q.msgs {
			if len(out) == max {
				break
			}
			if m.locked {
				continue
			}
			m.locked, m.lockedUntil = true, now.Add(q.lockDuration)
			m.count++
			m.token[0]++
			m.token[1] = byte(m.count)
			until := m.lockedUntil
			out = append(out, &azservicebus.ReceivedMessage{MessageID: m.id, Body: m.body, DeliveryCount: m.count, LockedUntil: &until, LockToken: m.token})
		}
		q.mu.Unlock()
		if len(out) > 0 {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// held returns the message rm holds the current lock of, or an error as Service Bus gives.
func (r *fakeReceiver) held(rm *azservicebus.ReceivedMessage) (*fakeMsg, error) {
	q := r.q
	q.expire(time.Now())
	for _, m := range q.msgs {
		if m.id == rm.MessageID && m.locked && m.token == rm.LockToken {
			return m, nil
		}
	}
	q.lockLost++
	return nil, &azservicebus.Error{Code: azservicebus.CodeLockLost}
}

func (r *fakeReceiver) CompleteMessage(_ context.Context, rm *azservicebus.ReceivedMessage, _ *azservicebus.CompleteMessageOptions) error {
	if err := r.check(); err != nil {
		return err
	}
	if f := r.q.onComplete; f != nil {
		f(rm.Body)
	}
	q := r.q
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := r.held(rm)
	if err != nil {
		return err
	}
	q.remove(m)
	q.completed = append(q.completed, m.id)
	return nil
}

func (r *fakeReceiver) AbandonMessage(_ context.Context, rm *azservicebus.ReceivedMessage, _ *azservicebus.AbandonMessageOptions) error {
	if err := r.check(); err != nil {
		return err
	}
	q := r.q
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := r.held(rm)
	if err != nil {
		return err
	}
	q.abandons++
	q.release(m)
	return nil
}

func (r *fakeReceiver) RenewMessageLock(_ context.Context, rm *azservicebus.ReceivedMessage, _ *azservicebus.RenewMessageLockOptions) error {
	if err := r.check(); err != nil {
		return err
	}
	q := r.q
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := r.held(rm)
	if err != nil {
		return err
	}
	q.renewals++
	m.lockedUntil = time.Now().Add(q.lockDuration)
	until := m.lockedUntil
	rm.LockedUntil = &until // as the SDK updates the message
	return nil
}

func (r *fakeReceiver) Close(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}
