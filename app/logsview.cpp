#include "app/logsview_p.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

namespace farmchat {

LogsView::LogsView(LogBuffer &buffer, QWidget *parent)
    : QWidget(parent)
    , m_buffer(buffer)
    , m_process(new QComboBox(this))
    , m_filter(new QLineEdit(this))
    , m_follow(new QCheckBox(tr("Follow"), this))
    , m_text(new QPlainTextEdit(this))
{
    m_process->addItem(tr("All processes"), QString());
    m_process->setAccessibleName(tr("Process filter"));
    // Narrow enough that the Faults dock beside it can have the width its
    // controls need; the list opens as wide as its names.
    m_process->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_process->setMinimumContentsLength(8);
    m_filter->setPlaceholderText(tr("Filter text"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Log text filter"));
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest line in sight"));
    m_text->setReadOnly(true);
    m_text->setMaximumBlockCount(buffer.capacity());
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setObjectName(QStringLiteral("logText"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_process);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_follow);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_text, 1);

    for (const QString &process : buffer.processes())
        m_process->addItem(process, process);
    connect(&buffer, &LogBuffer::processAdded, this,
        [this](const QString &process) { m_process->addItem(process, process); });
    connect(&buffer, &LogBuffer::lineAdded, this, &LogsView::onLine);
    connect(&buffer, &LogBuffer::cleared, this, [this] {
        m_text->clear();
        while (m_process->count() > 1)
            m_process->removeItem(1);
    });
    connect(m_process, &QComboBox::currentIndexChanged, this, &LogsView::refilter);
    connect(m_filter, &QLineEdit::textChanged, this, &LogsView::refilter);
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
    });
    refilter();
}

QString LogsView::processChoice() const
{
    return m_process->currentData().toString();
}

void LogsView::refilter()
{
    m_text->setPlainText(m_buffer.filtered(processChoice(), m_filter->text()).join(u'\n'));
    if (m_follow->isChecked())
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

void LogsView::onLine(const LogBuffer::Line &line)
{
    if (!LogBuffer::matches(line, processChoice(), m_filter->text()))
        return;
    QScrollBar *bar = m_text->verticalScrollBar();
    const int kept = bar->value();
    m_text->appendPlainText(LogBuffer::format(line));
    bar->setValue(m_follow->isChecked() ? bar->maximum() : kept);
}

} // namespace farmchat
