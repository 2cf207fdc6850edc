-- One row per inactive Sakila customer with an email address, for a win-back campaign.
select
    customers.customer_id,
    customers.email,
    customers.first_name,
    customers.last_name,
    customers.country,
    customers.store_id,
    customers.payment_count,
    customers.total_paid,
    customers.last_payment_at,
    -- Sakila phones are bare digits with no country code, so the SMS example texts fictional
    -- North American numbers in the 555-01XX range (reserved for fiction), one per customer.
    '+1202555' || lpad(cast(100 + mod(customers.customer_id, 100) as string), 4, '0') as sms_phone
from {{ref "sakila_customers"}} as customers
where not customers.is_active
  and customers.email is not null
