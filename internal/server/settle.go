package server

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/store"
)

// settleInterval is how often the settler looks for pending transfers that are due.
const settleInterval = time.Second

// settleBatch bounds the transfers one pass settles.
const settleBatch = 100

// settleLoop settles due transfers every settleInterval (on Options.Clock): each pending
// transfer of a connector that settles later (connector.Settler, the sandbox) gets its
// final status once its settle time has come (docs/design.md §8). Instances sharing a
// store may all run it: the status change is a compare-and-swap, so each transfer moves,
// and writes its webhook event, once.
func (s *Server) settleLoop(ctx context.Context) {
	if s.opts.Store == nil || s.opts.Connectors == nil {
		return
	}
	s.every(ctx, settleInterval, func() {
		if _, err := s.SettleOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("settling transfers failed", "err", err)
		}
	})
}

// SettleOnce settles the transfers that are due now and returns how many it moved.
func (s *Server) SettleOnce(ctx context.Context) (int, error) {
	moved := 0
	for ctx.Err() == nil {
		due, err := s.opts.Store.DueTransfers(ctx, s.opts.Now(), settleBatch)
		if err != nil {
			return moved, err
		}
		progress := false
		for _, t := range due {
			ok, err := s.settle(ctx, t)
			if err != nil {
				return moved, err
			}
			if ok {
				moved++
				progress = true
			}
		}
		if len(due) < settleBatch || !progress {
			return moved, nil
		}
	}
	return moved, ctx.Err()
}

// settle asks t's connector for its final status and stores it; false if t was left
// pending (no connector settles it, or another instance moved it first).
func (s *Server) settle(ctx context.Context, t store.Transfer) (bool, error) {
	conn, ok := s.opts.Connectors.Lookup(t.IntegrationType)
	settler, settles := conn.(connector.Settler)
	if !ok || !settles {
		s.log.Warn("a transfer is due to be settled, but no connector settles it", "transferId", t.ID, "integrationType", t.IntegrationType)
		return false, nil
	}
	status, hash, err := settler.Settle(ctx, connector.Settlement{TxID: t.InstitutionTransactionID, TxHash: t.Hash, Symbol: t.Symbol,
		Amount: t.Amount, AmountInFiat: t.AmountInFiat})
	if err != nil {
		s.log.Warn("a connector could not settle a transfer", "transferId", t.ID, "err", err)
		return false, nil
	}
	_, err = s.opts.Store.SetTransferStatus(ctx, store.TransferUpdate{ID: t.ID, From: store.TransferPending, To: status, Hash: hash,
		EventID: uuid.NewString(), At: s.opts.Now()})
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	s.metrics.Transfer(status)
	if s.opts.Webhooks != nil {
		s.opts.Webhooks.Notify()
	}
	return true, nil
}
