#include "app/demopanel.h"

#include "app/elidedlabel.h"
#include "app/guideddemo.h"

#include <QAction>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QVBoxLayout>

namespace farmchat {

DemoPanel::DemoPanel(GuidedDemo &demo, QAction *start, QWidget *parent)
    : QWidget(parent)
    , m_demo(demo)
    , m_start(start)
    , m_title(new QLabel(this))
    , m_narration(new QLabel(this))
    , m_verdict(new QLabel(this))
    , m_state(new ElidedLabel(this))
    , m_back(new QPushButton(tr("◀ Back"), this))
    , m_next(new QPushButton(this))
    , m_autoPlay(new QCheckBox(tr("Auto-play"), this))
{
    setObjectName(QStringLiteral("demoPanel"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    m_title->setFont(titleFont);
    m_title->setWordWrap(true);
    m_narration->setWordWrap(true);
    m_narration->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_narration->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_verdict->font();
    bold.setBold(true);
    m_verdict->setFont(bold);
    m_state->setForegroundRole(QPalette::PlaceholderText);
    m_back->setObjectName(QStringLiteral("demoBack"));
    m_next->setObjectName(QStringLiteral("demoNext"));
    m_autoPlay->setObjectName(QStringLiteral("demoAutoPlay"));
    m_back->setToolTip(tr("The previous step again: its actions run once more"));
    m_autoPlay->setToolTip(tr("Move on by itself once a step has run and there was time to read"));
    m_autoPlay->setChecked(m_demo.autoPlay());

    createLayout();

    connect(m_back, &QPushButton::clicked, &m_demo, &GuidedDemo::back);
    connect(m_next, &QPushButton::clicked, this, [this] {
        if (m_demo.isRunning())
            m_demo.next();
        else if (m_start)
            m_start->trigger();
    });
    connect(m_autoPlay, &QCheckBox::toggled, &m_demo, &GuidedDemo::setAutoPlay);
    connect(&m_demo, &GuidedDemo::autoPlayChanged, m_autoPlay, &QCheckBox::setChecked);
    connect(&m_demo, &GuidedDemo::stepStarted, this, &DemoPanel::showStep);
    connect(&m_demo, &GuidedDemo::stepActionsFinished, this, [this] {
        showState(m_demo.autoPlay() ? tr("next step after a pause to read")
                                    : tr("press Next when ready"));
        updateButtons();
    });
    connect(&m_demo, &GuidedDemo::verdictReady, m_verdict, &QLabel::setText);
    connect(&m_demo, &GuidedDemo::finished, this, [this](const Result<void> &outcome) {
        if (outcome)
            showEnd();
        else
            showIdle(tr("The demo stopped: %1.").arg(outcome.error()));
    });
    showIdle(tr("A walk through the three backplane modes on the running farm (one is launched "
                "if none runs): messages kept on their node, crossing through Redis pub/sub, "
                "ordered by Redis streams, and what each mode does while Redis is down."));
}

void DemoPanel::createLayout()
{
    // The words scroll when the dock is short; the buttons always show.
    auto *text = new QWidget;
    auto *textLayout = new QVBoxLayout(text);
    textLayout->setContentsMargins(0, 0, 0, 0);
    textLayout->addWidget(m_title);
    textLayout->addWidget(m_narration);
    textLayout->addWidget(m_verdict);
    textLayout->addStretch(1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(text);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll = scroll;
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_back);
    buttons->addWidget(m_next);
    buttons->addWidget(m_autoPlay);
    // Elided: the dock shares its width with the Faults dock and must not widen.
    buttons->addWidget(m_state, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addLayout(buttons);
}

QString DemoPanel::titleText() const
{
    return m_title->text();
}

QString DemoPanel::narrationText() const
{
    return m_narration->text();
}

QString DemoPanel::verdictText() const
{
    return m_verdict->text();
}

QString DemoPanel::stateText() const
{
    return m_state->text();
}

void DemoPanel::showStep(int step, int total, const QString &title, const QString &narration)
{
    m_counter = tr("step %1 of %2").arg(step + 1).arg(total);
    m_title->setText(title);
    m_narration->setText(narration);
    m_verdict->clear();
    showState(tr("showing it on the farm…"));
    updateButtons();
}

void DemoPanel::showEnd()
{
    // The last step is the user's turn: its title and instructions stay, with the end added.
    m_counter.clear();
    const QString end = tr("The demo is over: the farm is yours. Start runs the demo again.");
    m_narration->setText(
        m_narration->text().isEmpty() ? end : m_narration->text() + QStringLiteral("\n\n") + end);
    m_state->setText({});
    updateButtons();
}

void DemoPanel::showIdle(const QString &why)
{
    m_counter.clear();
    m_title->setText(tr("Guided demo (Ctrl+D)"));
    m_narration->setText(why);
    m_state->setText({});
    updateButtons();
}

QSize DemoPanel::sizeHint() const
{
    const int em = fontMetrics().height();
    return {em * 36, em * 10};
}

QSize DemoPanel::minimumSizeHint() const
{
    const int em = fontMetrics().height();
    return {em * 20, em * 5};
}

int DemoPanel::neededHeight() const
{
    // The words at the width they have with a scroll bar beside them (so that
    // the answer does not change when the bar goes), plus the buttons' row
    // and the margins.
    const QScrollBar *bar = m_scroll->verticalScrollBar();
    const int narrow
        = m_scroll->viewport()->width() + (bar->isVisible() ? 0 : -bar->sizeHint().width());
    const int textHeight = m_scroll->widget()->heightForWidth(narrow);
    return qMax(0, textHeight) + height() - m_scroll->height();
}

void DemoPanel::showState(const QString &state)
{
    m_state->setText(m_counter.isEmpty() ? state : m_counter + QStringLiteral(" · ") + state);
}

void DemoPanel::updateButtons()
{
    const bool running = m_demo.isRunning();
    m_back->setEnabled(running && m_demo.currentStep() > 0);
    if (!running)
        m_next->setText(tr("Start"));
    else if (m_demo.currentStep() + 1 >= m_demo.stepCount())
        m_next->setText(tr("Finish"));
    else
        m_next->setText(tr("Next ▶"));
}

} // namespace farmchat
