package exchange

import (
	"context"
	"strings"
	"sync"

	"gjj/internal/platform/errs"
)

// BankCard4 is a bank-card 4-element check (银行卡四要素核验): the card
// holder's name and resident ID number, the card number and the mobile number
// reserved at the bank.
type BankCard4 struct {
	Name     string
	IDNumber string
	CardNo   string
	Mobile   string
}

// RealName is the real-name verification service (实名认证) that raises a
// person to level L2 (DESIGN §5): a bank-card 4-element check through a
// payment-clearing provider, or a face check against the ID photo through the
// public-security service. Production drivers are configured; the embedded
// default and tests use RealNameSimulator.
type RealName interface {
	// CheckBankCard4 returns nil when the four elements belong together, or
	// ErrRealNameMismatch (never saying which element is wrong).
	CheckBankCard4(ctx context.Context, c BankCard4) error
	// CheckFace compares a live face image with the ID photo of (name, ID
	// number): nil on a match, ErrRealNameMismatch otherwise.
	CheckFace(ctx context.Context, name, idNumber string, image []byte) error
}

// ErrRealNameMismatch is the answer of a failed real-name check.
var ErrRealNameMismatch = errs.New(errs.Invalid, "exchange.realname_mismatch", "实名核验未通过，请核对填写的信息")

// RealNameSimulator is an in-process real-name service for the embedded
// default, demos and tests: cards are known when registered with AddCard; a
// face check passes for an image of at least MinFaceBytes bytes unless the ID
// number was marked with FailFace. Safe for concurrent use.
type RealNameSimulator struct {
	mu        sync.Mutex
	cards     map[string]BankCard4 // by card number
	failFaces map[string]bool
}

// MinFaceBytes is the smallest image the simulator accepts as a face.
const MinFaceBytes = 64

// NewRealNameSimulator returns a simulator that knows no cards.
func NewRealNameSimulator() *RealNameSimulator {
	return &RealNameSimulator{cards: map[string]BankCard4{}, failFaces: map[string]bool{}}
}

// AddCard registers a card with its holder and bank-reserved mobile.
func (s *RealNameSimulator) AddCard(c BankCard4) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cards[c.CardNo] = normalize(c)
}

// FailFace makes every face check of the ID number fail.
func (s *RealNameSimulator) FailFace(idNumber string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failFaces[strings.ToUpper(idNumber)] = true
}

// CheckBankCard4 implements RealName.
func (s *RealNameSimulator) CheckBankCard4(_ context.Context, c BankCard4) error {
	c = normalize(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if known, ok := s.cards[c.CardNo]; ok && known == c {
		return nil
	}
	return ErrRealNameMismatch
}

// CheckFace implements RealName.
func (s *RealNameSimulator) CheckFace(_ context.Context, _, idNumber string, image []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(image) < MinFaceBytes || s.failFaces[strings.ToUpper(idNumber)] {
		return ErrRealNameMismatch
	}
	return nil
}

func normalize(c BankCard4) BankCard4 {
	return BankCard4{Name: strings.TrimSpace(c.Name), IDNumber: strings.ToUpper(strings.TrimSpace(c.IDNumber)),
		CardNo: strings.ReplaceAll(strings.TrimSpace(c.CardNo), " ", ""), Mobile: strings.TrimSpace(c.Mobile)}
}
