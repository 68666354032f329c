#include "app/elidedlabel.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStyle>

#include <cmath>

namespace farmchat {

ElidedLabel::ElidedLabel(QWidget *parent) : QFrame(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void ElidedLabel::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    updateGeometry();
    updateToolTip();
    update();
}

void ElidedLabel::setDetail(const QString &detail)
{
    m_detail = detail;
    updateToolTip();
}

bool ElidedLabel::isElided() const
{
    return shownText() != m_text;
}

QString ElidedLabel::shownText() const
{
    return fontMetrics().elidedText(m_text, Qt::ElideRight, contentsRect().width());
}

int ElidedLabel::textWidth(const QString &text) const
{
    // Rounded up, plus one pixel: elidedText() measures with fractional
    // advances and must find the whole text fits the width asked for here.
    return int(std::ceil(QFontMetricsF(font()).horizontalAdvance(text))) + 1;
}

QSize ElidedLabel::sizeHint() const
{
    const QMargins m = contentsMargins();
    return {
        textWidth(m_text) + m.left() + m.right(), fontMetrics().height() + m.top() + m.bottom()};
}

QSize ElidedLabel::minimumSizeHint() const
{
    const QMargins m = contentsMargins();
    return {textWidth(QStringLiteral("…")) + m.left() + m.right(),
        fontMetrics().height() + m.top() + m.bottom()};
}

void ElidedLabel::paintEvent(QPaintEvent *event)
{
    QFrame::paintEvent(event);
    QPainter painter(this);
    style()->drawItemText(&painter, contentsRect(), int(Qt::AlignLeft | Qt::AlignVCenter),
        palette(), isEnabled(), shownText(), foregroundRole());
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QFrame::resizeEvent(event);
    updateToolTip();
}

void ElidedLabel::updateToolTip()
{
    QString tip = m_detail;
    if (isElided())
        tip = m_detail.isEmpty() ? m_text : m_text + u'\n' + m_detail;
    if (tip != toolTip())
        setToolTip(tip);
}

} // namespace farmchat
