#include "app/chatpane.h"

#include "app/elidedlabel.h"
#include "app/farmworkspace.h"
#include "app/messagedelegate_p.h"
#include "app/messagelistmodel.h"
#include "app/nodepalette_p.h"
#include "app/panesession.h"
#include "app/roompicker.h"
#include "client/hubconnection.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QResizeEvent>
#include <QScrollBar>
#include <QVBoxLayout>

namespace farmchat {

ChatPane::ChatPane(FarmWorkspace &workspace, int index, QWidget *parent)
    : QWidget(parent), m_workspace(workspace), m_index(index), m_session(workspace.pane(index))
{
    Q_ASSERT(m_session);
    setObjectName(QStringLiteral("chatPane%1").arg(index + 1));
    buildHeader();
    buildMessageList();
    m_input = new QLineEdit(this);
    m_input->setPlaceholderText(tr("Type a message and press Enter"));
    m_input->setAccessibleName(tr("Message input of pane %1").arg(m_index + 1));
    m_input->setClearButtonEnabled(true);
    m_room = new RoomPicker(workspace.rooms(), workspace.supervisor(), this);
    m_room->setObjectName(QStringLiteral("roomPicker%1").arg(index + 1));
    connect(m_room, &RoomPicker::roomStateChanged, this, &ChatPane::showRoomTrouble);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(m_header);
    // Right-aligned, so it stands under the name field it speaks of.
    layout->addWidget(m_nameNote, 0, Qt::AlignRight);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_note);
    auto *inputRow = new QHBoxLayout;
    inputRow->setSpacing(4);
    inputRow->addWidget(m_room);
    inputRow->addWidget(m_input, 1);
    layout->addLayout(inputRow);

    wireSession();
    updateState();
}

// The state light, node title, connection state and the pane's name.
void ChatPane::buildHeader()
{
    m_light = new QLabel(QStringLiteral("●"), this);
    m_title = new ElidedLabel(this);
    m_title->setObjectName(QStringLiteral("paneTitle"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setDetail(m_session->route().viaBalancer
            ? tr("through the load balancer at %1").arg(m_session->nodeUrl().toString())
            : m_session->nodeUrl().toString());
    // In a narrow pane (8 nodes) the header elides rather than widening the
    // grid; the node name stays readable.
    m_title->setMinimumWidth(
        m_title->fontMetrics().horizontalAdvance(QStringLiteral("node-00000…")));
    m_state = new ElidedLabel(this);
    m_state->setObjectName(QStringLiteral("paneState"));
    // "connected", the state a pane shows most, is never cut, however narrow the window.
    m_state->setText(tr("connected"));
    m_state->setMinimumWidth(m_state->sizeHint().width());
    m_name = new QLineEdit(m_session->name(), this);
    m_name->setPlaceholderText(tr("your name"));
    m_name->setToolTip(tr("The name this pane chats under (Enter to apply)"));
    m_name->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 6);
    m_name->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 4);
    m_name->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    m_name->setAccessibleName(tr("Name in pane %1").arg(m_index + 1));

    m_nameNote = new QLabel(this);
    m_nameNote->setObjectName(QStringLiteral("nameNote"));
    m_nameNote->hide();

    m_header = new QHBoxLayout;
    m_header->addWidget(m_light);
    m_header->addWidget(m_title);
    m_header->addWidget(m_state, 1);
    m_header->addWidget(m_name);
}

// The messages, drawn by MessageDelegate, following the conversation.
void ChatPane::buildMessageList()
{
    m_list = new QListView(this);
    m_list->setModel(&m_session->messages());
    m_delegate = new MessageDelegate(
        m_list, [this](const QString &node) { return m_workspace.colourOf(node); }, m_list);
    m_list->setItemDelegate(m_delegate);
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setSelectionMode(QAbstractItemView::NoSelection);
    m_list->setFocusPolicy(Qt::NoFocus);
    m_list->setAccessibleName(tr("Messages in pane %1").arg(m_index + 1));
    // Follow the conversation unless the user scrolled up to read.
    auto *model = &m_session->messages();
    connect(model, &QAbstractItemModel::rowsAboutToBeInserted, m_list, [this] {
        m_list->setProperty("follow",
            m_list->verticalScrollBar()->value() >= m_list->verticalScrollBar()->maximum() - 2);
    });
    connect(model, &QAbstractItemModel::rowsInserted, m_list, [this] {
        if (m_list->property("follow").toBool())
            m_list->scrollToBottom();
    });
}

void ChatPane::wireSession()
{
    m_noteTimer.setSingleShot(true);
    m_noteTimer.setInterval(kNoteMs);
    connect(&m_noteTimer, &QTimer::timeout, m_note, &QWidget::hide);
    // Typing a fixed text clears the complaint about the old one, not the
    // word about the room's shard being down.
    connect(m_input, &QLineEdit::textEdited, this, [this] {
        if (m_noteIsError && m_note->isVisible() && checkMessageText(m_input->text()).ok()) {
            m_note->hide();
            showRoomTrouble();
        }
    });
    connect(m_input, &QLineEdit::returnPressed, this, &ChatPane::send);
    connect(m_name, &QLineEdit::editingFinished, this, &ChatPane::applyName);
    // Editing the name again answers the note about the refused one.
    connect(m_name, &QLineEdit::textEdited, m_nameNote, &QWidget::hide);
    connect(m_session, &PaneSession::stateChanged, this, &ChatPane::updateState);
    // Behind a balancer the header follows the node each (re)connect lands on.
    connect(m_session, &PaneSession::nodeChanged, this, &ChatPane::fitHeader);
    connect(m_session, &PaneSession::sendFinished, this,
        [this](const QString &text, const Result<QString> &id) {
            if (id) {
                // A problem with an earlier send is over once one goes through;
                // a room on a shard that is down is not.
                if (m_noteIsError)
                    m_note->hide();
                showRoomTrouble();
                return;
            }
            // Nothing the user typed is lost: it goes back into the input line.
            if (m_input->text().isEmpty())
                m_input->setText(text);
            showNote(tr("not sent: %1").arg(id.error()), true);
        });
    connect(m_session, &PaneSession::errorOccurred, this,
        [this](const QString &error) { showNote(error, true); });
    connect(m_session, &PaneSession::caughtUp, this, [this](int fetched) {
        if (fetched > 0)
            showNote(
                tr("caught up %n message(s) from History (marked ↺)", nullptr, fetched), false);
    });
}

ChatPane::~ChatPane() = default;

QString ChatPane::stateText() const
{
    return m_state->text();
}

QString ChatPane::stickySessionAdvice()
{
    return tr("Could not connect: the load balancer sent this pane's negotiate request to one "
              "node and its WebSocket to another, which had never heard of the connection. "
              "Choose \"sticky\" as load balancer, or turn on \"Skip negotiation\" (farm bar), "
              "and launch again. Retrying meanwhile.");
}

QString ChatPane::titleText() const
{
    return m_title->text();
}

QString ChatPane::noteText() const
{
    return m_note->isVisibleTo(this) ? m_note->text() : QString();
}

void ChatPane::focusInput()
{
    m_input->setFocus(Qt::TabFocusReason);
}

void ChatPane::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        updateState();
    QWidget::changeEvent(event);
}

void ChatPane::updateState()
{
    if (!m_session)
        return;
    const bool dark = nodepalette::isDark(palette());
    QColor light;
    QString text;
    switch (m_session->state()) {
    case HubConnection::State::Connected:
        light = nodepalette::good(dark);
        text = tr("connected");
        m_note->hide();
        break;
    case HubConnection::State::Connecting:
        light = nodepalette::warn(dark);
        text = tr("connecting…");
        break;
    case HubConnection::State::Reconnecting:
        light = nodepalette::bad(dark);
        text = tr("disconnected — reconnecting…");
        break;
    case HubConnection::State::Disconnected:
        light = nodepalette::bad(dark);
        text = tr("disconnected");
        break;
    }
    m_light->setStyleSheet(QStringLiteral("color: %1").arg(light.name()));
    m_light->setToolTip(text);
    m_state->setText(text);
    m_state->setDetail(m_session->lastError());
    // A 404 for the connection token is not a fault of the node: explain the
    // cause and the two cures instead of showing the code.
    if (m_session->state() != HubConnection::State::Connected && m_session->lostStickySession())
        showNote(stickySessionAdvice(), true);
    fitHeader();
}

void ChatPane::fitHeader()
{
    // "node-9090 · port 9090" when there is room; in a narrow pane the state
    // matters more than the port repeated, so the title drops to the name.
    // Behind a balancer: "node-9091 · via LB :PORT", the node it landed on.
    if (!m_session || !m_header || !layout())
        return;
    const bool viaBalancer = m_session->route().viaBalancer;
    const QString node = m_session->nodeId().isEmpty() ? tr("node ?") : m_session->nodeId();
    const QString full = viaBalancer
        ? tr("%1  ·  via LB :%2").arg(node).arg(m_session->nodeUrl().port())
        : QStringLiteral("%1  ·  port %2").arg(node).arg(m_session->nodeUrl().port());
    const QMargins margins = layout()->contentsMargins();
    const int spacing = qMax(0, m_header->spacing()) * (m_header->count() - 1);
    const int others = m_light->sizeHint().width() + m_state->sizeHint().width()
        + qMin(m_name->sizeHint().width(), m_name->maximumWidth()) + spacing + margins.left()
        + margins.right();
    const int fullWidth = m_title->fontMetrics().horizontalAdvance(full);
    m_title->setText(others + fullWidth <= width() ? full : node);
}

void ChatPane::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitHeader();
}

void ChatPane::send()
{
    const QString text = m_input->text();
    if (text.trimmed().isEmpty())
        return;
    if (const auto valid = checkMessageText(text); !valid) {
        showNote(valid.error(), true); // kept in the input line to fix
        return;
    }
    if (!m_session || m_session->state() != HubConnection::State::Connected) {
        showNote(tr("not connected to %1 yet; your text is kept")
                     .arg(m_session ? m_session->nodeId() : QString()),
            true);
        return;
    }
    if (const Result<void> sent = m_workspace.sendFrom(m_index, text, m_room->room()); !sent) {
        showNote(tr("room '%1': %2; your text is kept").arg(m_room->room(), sent.error()), true);
        return;
    }
    m_input->clear();
}

void ChatPane::showRoomTrouble()
{
    // An affected room said where the user is about to send to it.
    const QString trouble = m_room->trouble();
    if (!trouble.isEmpty())
        showNote(QStringLiteral("✕ ") + trouble, true);
    else if (m_noteIsError && m_note->text().startsWith(QStringLiteral("✕ '")))
        m_note->hide(); // the shard is back, or another room was picked
}

void ChatPane::applyName()
{
    const QString name = m_name->text().trimmed();
    const QString kept = m_session ? m_session->name() : QString();
    if (const auto valid = checkUserName(name); !valid) {
        // Said where the user looks, at the field, and which name stays.
        const bool dark = nodepalette::isDark(palette());
        m_nameNote->setStyleSheet(QStringLiteral("color: %1").arg(nodepalette::bad(dark).name()));
        m_nameNote->setText(tr("✕ %1: still \"%2\"").arg(valid.error(), kept));
        m_nameNote->show();
        m_name->setText(kept);
        return;
    }
    // The same name again (focus leaving the restored field) keeps the note.
    if (!m_session || name == kept)
        return;
    m_nameNote->hide();
    m_workspace.setPaneName(m_index, name);
}

void ChatPane::showNote(const QString &text, bool error)
{
    m_noteIsError = error;
    // News ("caught up …") goes by itself; a problem stays until it is solved.
    if (error)
        m_noteTimer.stop();
    else
        m_noteTimer.start();
    const bool dark = nodepalette::isDark(palette());
    m_note->setStyleSheet(
        error ? QStringLiteral("color: %1").arg(nodepalette::bad(dark).name()) : QString());
    m_note->setText(text);
    m_note->show();
}

} // namespace farmchat
