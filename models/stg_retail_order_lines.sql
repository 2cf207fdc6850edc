-- One row per order line in the UCI Online Retail sample, typed and trimmed.
-- Exact duplicate lines (1,444 extra rows, about 0.3% of the value) are kept, because the file has
-- no line number that would tell a repeated scan from a second identical line.
select
    cast(order_lines.InvoiceNo as string) as invoice_no,
    cast(order_lines.StockCode as string) as stock_code,
    nullif(trim(cast(order_lines.Description as string)), '') as description,
    cast(order_lines.Quantity as integer) as quantity,
    cast(order_lines.UnitPrice as decimal(12, 2)) as unit_price,
    cast(order_lines.Quantity as integer) * cast(order_lines.UnitPrice as decimal(12, 2)) as line_amount,
    cast(order_lines.InvoiceDate as timestamp) as invoiced_at,
    -- The file writes CustomerID as a float string such as 17850.0, and guest lines leave it empty.
    cast(cast(order_lines.CustomerID as {{type "float"}}) as bigint) as customer_id,
    trim(cast(order_lines.Country as string)) as country,
    -- Cancellations have an invoice number starting with C and negative quantities.
    cast(order_lines.InvoiceNo as string) like 'C%' as is_cancellation
from {{source "retail" "order_lines"}} as order_lines
